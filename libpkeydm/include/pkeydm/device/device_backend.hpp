// What creating a device does to the system, behind one interface, so that
// the transaction in create_device can be tested on a host against a fake
// (tests/unit/test_create_device.cpp), as ninja tests its disk code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pkeydm/config/device_state.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/device/keyring.hpp"
#include "pkeydm/manager.hpp"
#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/device/swap.hpp"

namespace pkeydm {

class DeviceBackend {
public:
    virtual ~DeviceBackend() = default;
    virtual bool dm_exists(const std::string& name) = 0;
    virtual void dm_create(const std::string& name, const std::string& uuid, const DmTarget& table) = 0;
    virtual void dm_remove(const std::string& name) = 0;
    // Stores the token as logon key `description` in @u, findable by this
    // thread's table loads until the backend is destroyed.
    virtual void key_store(const std::string& description, const SecureBuffer& token) = 0;
    virtual void key_unlink(const std::string& description) = 0;
    // The state file and the recovery record (pkeydm/config/recovery_record.hpp,
    // with the key material) together; state_remove removes both.
    virtual void state_save(const std::string& dir, const DeviceState& s,
                            std::span<const std::uint8_t> material) = 0;
    virtual void state_remove(const std::string& dir, const std::string& name) = 0;
    // block_signature(): what mkswap would destroy on `path`.
    virtual std::optional<std::string> signature(const std::string& path) = 0;
    virtual void make_swap(const std::string& path) = 0;
    virtual void swap_on(const std::string& path, const SwapOptions& o) = 0;
    // The vp: of the device's live table (the target prints its key's
    // verification pattern there); empty if it shows none.
    virtual std::string dm_table_vp(const std::string& name) = 0;
    // Repository::record_verification_pattern of secure key `key` in `dir`.
    virtual void key_record_vp(const std::string& dir, const std::string& key, const std::string& vp) = 0;
};

// The real one: libdevmapper, the kernel keyring, /run/pdm, mkswap, swapon.
class SystemBackend final : public DeviceBackend {
public:
    bool dm_exists(const std::string& name) override;
    void dm_create(const std::string& name, const std::string& uuid, const DmTarget& table) override;
    void dm_remove(const std::string& name) override;
    void key_store(const std::string& description, const SecureBuffer& token) override;
    void key_unlink(const std::string& description) override;
    void state_save(const std::string& dir, const DeviceState& s, std::span<const std::uint8_t> material) override;
    void state_remove(const std::string& dir, const std::string& name) override;
    std::optional<std::string> signature(const std::string& path) override;
    void make_swap(const std::string& path) override;
    void swap_on(const std::string& path, const SwapOptions& o) override;
    std::string dm_table_vp(const std::string& name) override;
    void key_record_vp(const std::string& dir, const std::string& key, const std::string& vp) override;

private:
    std::optional<LogonKeyLoad> key_;
};

// <state_dir>/<name>.lock, held exclusively: create and remove of one name
// run one at a time, in every process.
FileLock lock_device_name(const std::string& state_dir, const std::string& name);

// The transaction of create_device for a resolved device of `sectors`
// sectors and a token already made: under the name's lock, refuse an
// existing device, then keyring key, state file, dm device (its table with
// vp: when s.vp is known), the state again with the verification pattern the
// target printed (and, for a secure key, the repository .info that has none
// yet: a failure there is only warned about), mkswap, swapon.
// mkswap runs only where it destroys nothing: neither the backing device
// nor the new device may carry a signature other than an old swap area
// (with an ephemeral key, the backing device's content is lost either way;
// a file system or partition table there means the wrong device).  The
// backing device is checked before anything is made.
// On failure it undoes what this call made, newest first, and never the key
// or state of a device that still exists afterwards (one it could not
// remove, or one created by someone else): the error then says what was
// left.
void create_device_with(DeviceBackend& b, const ManagerConfig& cfg, const DeviceState& s, std::uint64_t sectors,
                        const SecureBuffer& token, std::span<const std::uint8_t> material, const CreateOptions& co);

}  // namespace pkeydm
