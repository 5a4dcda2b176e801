// Protected-key tokens handed to dm-paes through the kernel keyring, as
// `logon` keys (the kernel can read them, user space cannot read them back).
//
// Where the key lives: the user keyring (@u) of the caller, for as long as
// the device does.  The target resolves `:<bytes>:logon:<desc>` with
// request_key() in the context of the thread that loads the table or sends
// the message, which searches that thread's thread, process and session
// keyrings, not @u.  So, as cryptsetup does with its volume keys, the key is
// made in the thread keyring, linked into @u, and unlinked from the thread
// keyring once the load is done (LogonKeyLoad).  Nothing is linked into the
// caller's session keyring: under sudo without pam_keyinit that keyring is
// the invoking user's, who would then possess root's keys.
#pragma once

#include <keyutils.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pkeydm {

// "pdm:<name>": logon keys need a "prefix:" description.
std::string key_description(std::string_view device_name);
// ":<bytes>:logon:<description>", the table/message form of a keyring key.
std::string keyring_reference(std::size_t bytes, std::string_view description);

// Adds or updates logon key `description` in @u and keeps it findable by
// request_key() from the calling thread while the object lives: construct it,
// load the table or send the message from the same thread, let it go.
class LogonKeyLoad {
public:
    LogonKeyLoad(std::string_view description, std::span<const std::uint8_t> payload);
    ~LogonKeyLoad();
    LogonKeyLoad(const LogonKeyLoad&) = delete;
    LogonKeyLoad& operator=(const LogonKeyLoad&) = delete;
    key_serial_t id() const noexcept { return id_; }

private:
    std::string desc_;
    key_serial_t id_ = -1;
};

std::optional<key_serial_t> logon_key_find(std::string_view description);
// Unlink from @u; false if there was none.
bool logon_key_unlink(std::string_view description);

}  // namespace pkeydm
