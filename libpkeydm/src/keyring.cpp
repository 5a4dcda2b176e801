#include "pkeydm/keyring.hpp"

#include <cerrno>

#include "pkeydm/error.hpp"

namespace pkeydm {

std::string key_description(std::string_view device_name)
{
    return "pdm:" + std::string(device_name);
}

std::string keyring_reference(std::size_t bytes, std::string_view description)
{
    return ":" + std::to_string(bytes) + ":logon:" + std::string(description);
}

key_serial_t logon_key_set(std::string_view description, std::span<const std::uint8_t> payload)
{
    const std::string desc(description);
    const key_serial_t id = add_key("logon", desc.c_str(), payload.data(), payload.size(), KEY_SPEC_USER_KEYRING);
    if (id < 0)
        throw_errno(Errc::keyring, "cannot add logon key '" + desc + "' to the user keyring", errno);
    return id;
}

std::optional<key_serial_t> logon_key_find(std::string_view description)
{
    const std::string desc(description);
    const long id = keyctl_search(KEY_SPEC_USER_KEYRING, "logon", desc.c_str(), 0);
    if (id < 0) {
        if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED)
            return std::nullopt;
        throw_errno(Errc::keyring, "cannot search the user keyring for '" + desc + "'", errno);
    }
    return static_cast<key_serial_t>(id);
}

bool logon_key_unlink(std::string_view description)
{
    const auto id = logon_key_find(description);
    if (!id)
        return false;
    if (keyctl_unlink(*id, KEY_SPEC_USER_KEYRING) < 0 && errno != ENOENT)
        throw_errno(Errc::keyring, "cannot unlink key '" + std::string(description) + "' from the user keyring",
                    errno);
    return true;
}

void link_user_keyring_into_session()
{
    const key_serial_t user = keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1);
    const key_serial_t session = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
    if (user < 0)
        throw_errno(Errc::keyring, "cannot find the user keyring", errno);
    // Without a session keyring the user-session keyring is searched, which
    // already links @u.  EEXIST-like outcomes are success for keyctl_link.
    if (session < 0)
        return;
    if (keyctl_link(user, session) < 0 && errno != EDQUOT)
        throw_errno(Errc::keyring, "cannot link the user keyring into the session keyring", errno);
}

KeyringKeyGuard::~KeyringKeyGuard()
{
    if (committed_)
        return;
    try {
        logon_key_unlink(desc_);
    } catch (...) {
        // Unwinding already; the original error matters more.
    }
}

}  // namespace pkeydm
