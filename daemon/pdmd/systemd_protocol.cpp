#include "systemd_protocol.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace pdmd {

std::string journal_datagram(const std::vector<std::string_view>& fields)
{
    std::string out;
    for (const auto f : fields) {
        const auto eq = f.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw std::invalid_argument("journal field without a name: '" + std::string(f) + "'");
        const auto name = f.substr(0, eq), value = f.substr(eq + 1);
        if (value.find('\n') == std::string_view::npos) {
            out.append(f).push_back('\n');
            continue;
        }
        out.append(name).push_back('\n');
        std::uint64_t n = value.size();
        for (int i = 0; i < 8; ++i, n >>= 8)
            out.push_back(static_cast<char>(n & 0xff));
        out.append(value).push_back('\n');
    }
    return out;
}

namespace {

// The address in `sa`; its length, or 0 for an address that is neither
// absolute nor abstract or does not fit.
socklen_t unix_address(std::string_view address, sockaddr_un& sa) noexcept
{
    sa = sockaddr_un{};
    sa.sun_family = AF_UNIX;
    if (address.size() < 2 || address.size() >= sizeof sa.sun_path || (address[0] != '/' && address[0] != '@'))
        return 0;
    std::memcpy(sa.sun_path, address.data(), address.size());
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0';
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
}

int send_on(int fd, std::string_view address, std::string_view data) noexcept
{
    sockaddr_un sa;
    const socklen_t len = unix_address(address, sa);
    if (!len)
        return -EINVAL;
    if (::sendto(fd, data.data(), data.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&sa), len) < 0)
        return -errno;
    return 0;
}

}  // namespace

int send_unix_datagram(std::string_view address, std::string_view data) noexcept
{
    DatagramSender once;
    return once.send(address, data);
}

int DatagramSender::send(std::string_view address, std::string_view data) noexcept
{
    if (!fd_) {
        fd_ = pkeydm::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd_)
            return -errno;
    }
    const int rc = send_on(fd_.get(), address, data);
    // Most errors are the datagram's, the receiver's (ECONNREFUSED while
    // journald restarts) or memory's (ENOBUFS), and a new socket would not
    // help: it would only allocate while memory is short.  Only a
    // descriptor that is no socket any more is replaced.
    if (rc == -EBADF || rc == -ENOTSOCK)
        fd_.reset();
    return rc;
}

}  // namespace pdmd
