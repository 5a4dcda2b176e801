#include <syslog.h>

#include <cerrno>

#include "pkeydm/device/device_backend.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/log_sink.hpp"
#include "pkeydm/device/signature.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

namespace {

// What this call has made, so that a failure undoes exactly that.
struct Made {
    bool key = false;
    bool state = false;
    bool device = false;
};

// Undoes `made`, newest first.  A device that exists afterwards keeps its
// key and state: it needs them, and `pdm remove` cleans all three up.
// Returns what was left behind, empty when everything was undone.
std::string roll_back(DeviceBackend& b, const ManagerConfig& cfg, const std::string& name, const Made& made) noexcept
{
    try {
        std::string left;
        if (made.device) {
            try {
                b.dm_remove(name);
            } catch (const Error& e) {
                // libdevmapper removes a device whose table did not load.
                if (e.code() != Errc::not_found)
                    left = "could not remove " + mapper_path(name) + ": " + e.what();
            }
        }
        bool exists = true;
        try {
            exists = b.dm_exists(name);
        } catch (const std::exception& e) {
            if (left.empty())
                left = "cannot tell whether " + mapper_path(name) + " exists: " + e.what();
        }
        const std::string desc = key_description(name);
        if (exists) {
            if (left.empty())
                left = mapper_path(name) + " exists, made by someone else";
            if (made.key || made.state)
                left += "; kept its keyring key " + desc + " and " + cfg.state_dir + "/" + name +
                        ".json ('pdm remove " + name + "' removes all three)";
            return left;
        }
        if (made.key) {
            try {
                b.key_unlink(desc);
            } catch (const std::exception& e) {
                left += std::string(left.empty() ? "" : "; ") + "could not unlink " + desc + ": " + e.what();
            }
        }
        if (made.state) {
            try {
                b.state_remove(cfg.state_dir, name);
            } catch (const std::exception& e) {
                left += std::string(left.empty() ? "" : "; ") + e.what();
            }
        }
        return left;
    } catch (...) {
        return "rollback failed";
    }
}

// Refuses mkswap on `path` when it carries something mkswap would destroy.
void check_swap_target(DeviceBackend& b, const std::string& path, const std::string& name, const std::string& what)
{
    const auto sig = b.signature(path);
    if (!mkswap_may_overwrite(sig))
        throw Error(Errc::usage, "'" + name + "' is a swap line, but " + what + " " + path + " carries a " + *sig +
                                     " signature: refusing mkswap, which would destroy it (check the device; if "
                                     "it is really free, wipefs -a " + path + ")");
}

}  // namespace

FileLock lock_device_name(const std::string& state_dir, const std::string& name)
{
    make_dirs(state_dir, 0700);
    return FileLock(state_dir + "/" + name + ".lock", true);
}

void create_device_with(DeviceBackend& b, const ManagerConfig& cfg, const DeviceState& s, std::uint64_t sectors,
                        const SecureBuffer& token, std::span<const std::uint8_t> material, const CreateOptions& co)
{
    const auto lock = lock_device_name(cfg.state_dir, s.name);
    if (b.dm_exists(s.name))
        throw Error(Errc::usage, "device-mapper device '" + s.name + "' already exists");
    const auto table = build_paes_table(s, sectors, token.size());
    const bool mkswap = s.options.swap && co.mkswap;
    if (mkswap)
        check_swap_target(b, s.device, s.name, "its backing device");
    Made made;
    try {
        // No device of this name exists and none can appear from pdm while
        // the lock is held: a leftover key or state file (a crash during a
        // create) belongs to no device, and overwriting it is safe.
        made.key = true;
        b.key_store(key_description(s.name), token);
        // The state goes before the device: pdmd may see the device the
        // moment it exists and reads how to re-derive its key from the
        // recovery record.
        made.state = true;
        b.state_save(cfg.state_dir, s, material);
        made.device = true;
        try {
            b.dm_create(s.name, pdm_uuid(s.source.kind, s.name), to_dm_target(table));
        } catch (const Error& e) {
            if (e.sys_errno() == EEXIST)
                made.device = false;  // someone else's, made since the check
            // pdm builds the table itself: with vp:, a refused load is
            // almost always a key that is not the one the pattern belongs to.
            // The errno does not tell: libdevmapper removes the device whose
            // load failed and reports that remove's errno (ENXIO), not the
            // load's EINVAL.  EEXIST and EBUSY are other failures.
            if (!s.vp.empty() && e.sys_errno() != EEXIST && e.sys_errno() != EBUSY)
                throw Error(Errc::verify,
                            std::string(e.what()) + ": the key of '" + s.name + "' (" +
                                format_key_source(s.source) + ") is likely not the key whose verification pattern " +
                                s.vp + " was recorded; the kernel log says 'does not match the verification pattern' "
                                "if so",
                            EINVAL);
            throw;
        }
        // The pattern the target computed (or was given): with the state, so
        // every later table carries it, and in the .info of a secure key.
        DeviceState known = s;
        known.vp = b.dm_table_vp(s.name);
        if (known.vp != s.vp)
            b.state_save(cfg.state_dir, known, material);
        if (s.source.kind == KeySourceKind::secure && !known.vp.empty()) {
            try {
                b.key_record_vp(cfg.keys.repository, s.source.arg, known.vp);
            } catch (const std::exception& e) {
                log_to_sink(LOG_WARNING, "'" + s.name + "' works, but its verification pattern " + known.vp +
                                             " was not recorded for secure key '" + s.source.arg + "': " + e.what());
            }
        }
        if (mkswap) {
            check_swap_target(b, mapper_path(s.name), s.name, "the new device");
            b.make_swap(mapper_path(s.name));
        }
        if (co.swapon)
            b.swap_on(mapper_path(s.name), {s.options.discard, s.options.swap_priority});
    } catch (const Error& e) {
        const auto left = roll_back(b, cfg, s.name, made);
        if (left.empty())
            throw;
        throw Error(e.code(), std::string(e.what()) + "; rollback: " + left, e.sys_errno());
    } catch (...) {
        roll_back(b, cfg, s.name, made);
        throw;
    }
}

void create_device(const ManagerConfig& cfg, DeviceState s, const CreateOptions& co)
{
    check_device_name(s.name, "device name");
    SystemBackend b;
    // Checked again under the lock; here to fail before deriving a key.
    if (b.dm_exists(s.name))
        throw Error(Errc::usage, "device-mapper device '" + s.name + "' already exists");
    s.device = resolve_device(s.device);
    const auto sectors = device_sectors(s.device);
    // A random-secure source makes its key here: from now on its only copy
    // is `key.material`, which goes into the recovery record and nowhere else.
    const auto key = new_key_source(s.source, s.options.xts_bits, cfg.keys);
    // A secure key's pattern, recorded by an earlier create: the table
    // carries it, and the kernel refuses a .skey that is another key.
    if (s.vp.empty())
        s.vp = key.vp;
    const auto token = derive_xts_token(key, cfg.keys);
    create_device_with(b, cfg, s, sectors, token, key.material.span(), co);
}

}  // namespace pkeydm
