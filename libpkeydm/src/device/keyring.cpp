#include "pkeydm/device/keyring.hpp"

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

LogonKeyLoad::LogonKeyLoad(std::string_view description, std::span<const std::uint8_t> payload)
    : desc_(description)
{
    // Made in the thread keyring, so this thread possesses it and may link
    // it; @u then holds it for as long as the device lives.  Linking into @u
    // replaces an older key of the same description there.
    id_ = add_key("logon", desc_.c_str(), payload.data(), payload.size(), KEY_SPEC_THREAD_KEYRING);
    if (id_ < 0)
        throw_errno(Errc::keyring, "cannot add logon key '" + desc_ + "' to the thread keyring", errno);
    if (keyctl_link(id_, KEY_SPEC_USER_KEYRING) < 0) {
        const int err = errno;
        keyctl_unlink(id_, KEY_SPEC_THREAD_KEYRING);
        throw_errno(Errc::keyring, "cannot link logon key '" + desc_ + "' into the user keyring", err);
    }
}

LogonKeyLoad::~LogonKeyLoad()
{
    // Failure leaves a link that dies with the thread; nothing to report.
    keyctl_unlink(id_, KEY_SPEC_THREAD_KEYRING);
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

}  // namespace pkeydm
