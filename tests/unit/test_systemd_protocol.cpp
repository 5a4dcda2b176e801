#define BOOST_TEST_MODULE systemd_protocol
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "pkeydm/unique_fd.hpp"
#include "systemd_protocol.hpp"

using namespace pdmd;

BOOST_AUTO_TEST_CASE(plain_fields_are_lines)
{
    BOOST_TEST(journal_datagram({"MESSAGE=PDM_KEY_STALE dev=swap0", "PRIORITY=4"}) ==
               "MESSAGE=PDM_KEY_STALE dev=swap0\nPRIORITY=4\n");
    // '=' in the value belongs to the value.
    BOOST_TEST(journal_datagram({"MESSAGE=a=b"}) == "MESSAGE=a=b\n");
    BOOST_TEST(journal_datagram({"MESSAGE="}) == "MESSAGE=\n");
}

BOOST_AUTO_TEST_CASE(a_value_with_a_newline_is_sized)
{
    const std::string d = journal_datagram({"MESSAGE=two\nlines", "PRIORITY=6"});
    const std::string expect = std::string("MESSAGE\n") + std::string("\x09\0\0\0\0\0\0\0", 8) + "two\nlines\n" +
                               "PRIORITY=6\n";
    BOOST_TEST(d == expect);
}

BOOST_AUTO_TEST_CASE(a_field_needs_a_name)
{
    BOOST_CHECK_THROW(journal_datagram({"no equals sign"}), std::invalid_argument);
    BOOST_CHECK_THROW(journal_datagram({"=value"}), std::invalid_argument);
}

namespace {

// A datagram socket bound to `address` ('@': abstract), as journald's and
// systemd's notify sockets are.
pkeydm::UniqueFd bound(const std::string& address)
{
    pkeydm::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    BOOST_REQUIRE(fd);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, address.data(), address.size());
    if (address[0] == '@')
        sa.sun_path[0] = '\0';
    BOOST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa),
                         static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size())) == 0);
    return fd;
}

std::string receive(int fd)
{
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    BOOST_REQUIRE(n >= 0);
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

BOOST_AUTO_TEST_CASE(sends_to_abstract_and_path_sockets)
{
    const std::string abstract = "@pkeydm-test-notify-" + std::to_string(::getpid());
    const auto a = bound(abstract);
    BOOST_TEST(send_unix_datagram(abstract, "READY=1") == 0);
    BOOST_TEST(receive(a.get()) == "READY=1");

    char dir[] = "/tmp/pkeydm-sock-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/notify";
    {
        const auto p = bound(path);
        BOOST_TEST(send_unix_datagram(path, "WATCHDOG=1") == 0);
        BOOST_TEST(receive(p.get()) == "WATCHDOG=1");
    }
    ::unlink(path.c_str());
    ::rmdir(dir);
    // Nobody listens there any more.
    BOOST_TEST(send_unix_datagram(path, "x") == -ENOENT);
}

BOOST_AUTO_TEST_CASE(refuses_addresses_that_are_neither_absolute_nor_abstract)
{
    BOOST_TEST(send_unix_datagram("relative/socket", "x") == -EINVAL);
    BOOST_TEST(send_unix_datagram("", "x") == -EINVAL);
    BOOST_TEST(send_unix_datagram("@", "x") == -EINVAL);
    BOOST_TEST(send_unix_datagram("/" + std::string(200, 'a'), "x") == -EINVAL);
}

BOOST_AUTO_TEST_CASE(a_sender_sends_again_after_failed_sends)
{
    const std::string address = "@pkeydm-test-sender-" + std::to_string(::getpid());
    const auto a = bound(address);
    DatagramSender sender;
    BOOST_TEST(sender.send(address, "MESSAGE=one") == 0);
    BOOST_TEST(sender.send("relative", "x") == -EINVAL);
    BOOST_TEST(sender.send(address + "-nobody", "x") == -ECONNREFUSED);
    BOOST_TEST(sender.send(address, "MESSAGE=two") == 0);
    BOOST_TEST(receive(a.get()) == "MESSAGE=one");
    BOOST_TEST(receive(a.get()) == "MESSAGE=two");
}
