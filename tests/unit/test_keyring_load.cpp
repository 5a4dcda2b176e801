#define BOOST_TEST_MODULE keyring_load
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "pkeydm/error.hpp"
#include "pkeydm/device/keyring.hpp"

using namespace pkeydm;

// Where the host lets a test use the kernel keyring, show the mechanism the
// target relies on: request_key(), which searches the calling thread's
// thread, process and session keyrings as the kernel's does, finds the key
// while a LogonKeyLoad lives and not after, and @u keeps it.  The session
// keyring is never touched.
BOOST_AUTO_TEST_CASE(key_is_findable_by_request_key_only_during_the_load)
{
    const std::string desc = "pdm:unit-" + std::to_string(::getpid());
    const std::vector<std::uint8_t> payload(160, 0x5a);
    if (add_key("logon", "pdm:unit-probe", payload.data(), payload.size(), KEY_SPEC_THREAD_KEYRING) < 0) {
        BOOST_TEST_MESSAGE("skipped: no kernel keyring here (" << std::strerror(errno) << ")");
        return;
    }
    // A fresh session keyring of our own: if @u were linked into the session
    // (as pam_keyinit does), request_key would find the key through it.
    BOOST_TEST_REQUIRE(keyctl_join_session_keyring(nullptr) >= 0);
    const key_serial_t session = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
    {
        const LogonKeyLoad load(desc, payload);
        BOOST_TEST(request_key("logon", desc.c_str(), nullptr, 0) == load.id());
        BOOST_TEST(logon_key_find(desc).value() == load.id());
    }
    errno = 0;
    BOOST_TEST(request_key("logon", desc.c_str(), nullptr, 0) < 0);
    BOOST_TEST(errno == ENOKEY);
    BOOST_TEST(logon_key_find(desc).has_value());
    BOOST_TEST(keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0) == session);
    BOOST_TEST(keyctl_search(KEY_SPEC_SESSION_KEYRING, "logon", desc.c_str(), 0) < 0);
    BOOST_TEST(logon_key_unlink(desc));
    BOOST_TEST(!logon_key_find(desc).has_value());
}
