// Protected-key tokens handed to dm-paes through the kernel keyring, as
// `logon` keys (the kernel can read them, user space cannot read them back).
//
// Where the key lives: the user keyring (@u) of the caller.  The target
// resolves `:<bytes>:logon:<desc>` with request_key() in the context of the
// process that loads the table or sends the message, which searches that
// process's thread, process and session keyrings.  A session keyring made by
// pam_keyinit links @u, and a process without a session keyring searches the
// user-session keyring, which links @u too; a service started with a private
// session keyring (systemd's default KeyringMode=private) does not see @u, so
// link_user_keyring_into_session() links it explicitly before any table load
// or `key set`.  Both pdm and pdmd do so.
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

// Add or update (add_key replaces the payload of an existing key of the same
// type and description in the same keyring) a logon key in @u.
key_serial_t logon_key_set(std::string_view description, std::span<const std::uint8_t> payload);
std::optional<key_serial_t> logon_key_find(std::string_view description);
// Unlink from @u; false if there was none.
bool logon_key_unlink(std::string_view description);

void link_user_keyring_into_session();

// Unlinks a key added during a multi-step operation unless commit() is called.
class KeyringKeyGuard {
public:
    explicit KeyringKeyGuard(std::string description) : desc_(std::move(description)) {}
    ~KeyringKeyGuard();
    KeyringKeyGuard(const KeyringKeyGuard&) = delete;
    KeyringKeyGuard& operator=(const KeyringKeyGuard&) = delete;
    void commit() noexcept { committed_ = true; }

private:
    std::string desc_;
    bool committed_ = false;
};

}  // namespace pkeydm
