#include "pkeydm/manager.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "pkeydm/device/device_backend.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/device/keyring.hpp"
#include "pkeydm/log_sink.hpp"
#include "pkeydm/config/recovery_record.hpp"
#include "pkeydm/device/swap.hpp"
#include "pkeydm/key/ephemeral_key.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/token.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

std::uint64_t device_sectors(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno(errno == ENOENT ? Errc::not_found : Errc::io, "open " + path, errno);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0)
        throw_errno(Errc::io, "stat " + path, errno);
    std::uint64_t bytes = 0;
    if (S_ISBLK(st.st_mode)) {
        if (::ioctl(fd.get(), BLKGETSIZE64, &bytes) < 0)
            throw_errno(Errc::io, "BLKGETSIZE64 " + path, errno);
    } else if (S_ISREG(st.st_mode)) {
        bytes = static_cast<std::uint64_t>(st.st_size);
    } else {
        throw Error(Errc::config, path + " is not a block device");
    }
    return bytes / 512;
}

std::string mapper_path(const std::string& name)
{
    return "/dev/mapper/" + name;
}

PaesTable build_paes_table(const DeviceState& s, std::uint64_t sectors, std::size_t token_bytes)
{
    const std::uint64_t per = s.options.sector_size / 512;
    const std::uint64_t usable = sectors / per * per;
    if (usable == 0)
        throw Error(Errc::config, s.device + ": smaller than one " + std::to_string(s.options.sector_size) +
                                      "-byte sector");
    PaesTable t;
    t.length = usable;
    t.key.kind = TableKey::Kind::keyring;
    t.key.bytes = token_bytes;
    t.key.key_type = "logon";
    t.key.description = key_description(s.name);
    t.device = s.device;
    t.sector_size = s.options.sector_size;
    t.iv_large_sectors = s.options.iv_large_sectors;
    t.allow_discards = s.options.discard;
    t.key_timeout_ms = s.options.key_timeout_ms;
    t.vp = s.vp;
    return t;
}

void remove_device(const ManagerConfig& cfg, const std::string& name, bool force)
{
    // Not while a create of the same name is running or rolling back.
    const auto lock = lock_device_name(cfg.state_dir, name);
    const auto info = dm_device_info(name);
    if (!info.exists)
        throw Error(Errc::not_found, "device-mapper device '" + name + "' does not exist");
    if (!info.uuid.starts_with(pdm_uuid_prefix) && !force)
        throw Error(Errc::usage, "'" + name + "' is not a pdm device (UUID '" + info.uuid +
                                     "'); use --force to remove it anyway");
    if (swap_active(mapper_path(name)))
        swap_off(mapper_path(name));
    // In use (mounted, held by another dm device, open by a process): say so
    // instead of retrying a remove that cannot succeed.  udev's probe after
    // a write (blkid after mkfs) holds the device for a moment, so a busy
    // device gets up to 2 s to be closed before it is called busy.
    auto now = dm_device_info(name);
    for (int i = 0; now.exists && now.open_count > 0 && i < 10; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        now = dm_device_info(name);
    }
    if (now.exists && now.open_count > 0)
        throw Error(Errc::devmapper, "cannot remove '" + name + "': busy, in use (open count " +
                                         std::to_string(now.open_count) +
                                         "): unmount it or close what holds " + mapper_path(name) + " first",
                    EBUSY);
    dm_remove(name);
    logon_key_unlink(key_description(name));
    remove_recovery_record(name);
    remove_device_state(cfg.state_dir, name);
}

namespace {

// Resumes the device when it goes out of scope, whatever happened meanwhile.
class ResumeGuard {
public:
    explicit ResumeGuard(std::string name) : name_(std::move(name)) {}
    ~ResumeGuard()
    {
        try {
            dm_resume(name_);
        } catch (const std::exception& e) {
            log_to_sink(LOG_ERR, "'" + name_ + "' stays suspended: " + e.what() + " - run 'dmsetup resume " +
                                     name_ + "'");
        }
    }
    ResumeGuard(const ResumeGuard&) = delete;
    ResumeGuard& operator=(const ResumeGuard&) = delete;

private:
    std::string name_;
};

// The target replaces only a key that is gone.  To replace a valid one on
// purpose: suspend (I/O drains under the old key), wipe it, replace, resume.
RekeyResult replace_valid_key(const std::string& name, const SecureBuffer& token)
{
    const auto before = paes_status(name);
    RekeyResult r;
    {
        dm_suspend(name, false);
        const ResumeGuard resume(name);
        dm_message(name, 0, std::string_view("key wipe"));
        r = inject_key(name, token, RekeyMode::replace, before.number("gen"));
    }
    r.before = before;
    r.after = paes_status(name);
    return r;
}

// A replace changes the key's verification pattern: the state file keeps
// the new one, as create does, for the tables loaded later.
void record_replaced_vp(const ManagerConfig& cfg, const std::string& name) noexcept
{
    try {
        auto st = load_device_state(cfg.state_dir, name);
        if (!st)
            return;
        const auto t = dm_table(name);
        if (t.size() != 1 || t[0].type != paes_target)
            return;
        st->vp = parse_paes_params(t[0].start, t[0].length, t[0].params).vp;
        save_device_state(cfg.state_dir, *st);
    } catch (const std::exception& e) {
        log_to_sink(LOG_WARNING, "'" + name + "': key replaced, but the new verification pattern was not recorded in " +
                                     cfg.state_dir + "/" + name + ".json: " + e.what());
    }
}

}  // namespace

namespace {

// A device's key material for deriving again: a random-secure key from its
// recovery record (its only copy), any other from its files.
LoadedKeySource device_key(const ManagerConfig& cfg, const DeviceState& s)
{
    if (s.source.kind != KeySourceKind::random_secure)
        return load_key_source(s.source, s.options.xts_bits, cfg.keys);
    auto rec = load_recovery_record(s.name);
    if (!rec || rec->material.empty() || rec->state.source.kind != KeySourceKind::random_secure)
        throw Error(Errc::not_found, "'" + s.name + "' (" + format_key_source(s.source) +
                                         "): no recovery record pdm-material:" + s.name +
                                         " in root's user keyring, the only copy of its random secure key; it "
                                         "cannot be derived again");
    LoadedKeySource k;
    k.source = rec->state.source;
    k.xts_bits = rec->state.options.xts_bits;
    k.material = std::move(rec->material);
    return k;
}

// A new random key of the form the device's key has: the target takes only
// that form while a key (even a stale one) is present.
SecureBuffer new_ephemeral_token(const ManagerConfig& cfg, const DeviceState& s)
{
    LoadedKeySource k;
    k.source = {KeySourceKind::ephemeral, {}};
    k.xts_bits = s.options.xts_bits;
    prepare_regeneration(k, cfg.keys, s.name);
    return derive_xts_token(k, cfg.keys);
}

}  // namespace

RekeyResult rekey_device(const ManagerConfig& cfg, const DeviceState& s, RekeyMode mode, bool force)
{
    if (mode == RekeyMode::set && !rederivable(s.source.kind))
        throw Error(Errc::verify, "'" + s.name +
                                      "' has an ephemeral key, which cannot be derived again; a new key "
                                      "(key replace) loses the data written before");
    const auto token = mode == RekeyMode::set ? derive_xts_token(device_key(cfg, s), cfg.keys)
                                              : new_ephemeral_token(cfg, s);
    const auto r = mode == RekeyMode::replace && force && paes_status(s.name).key == KeyState::valid
                       ? replace_valid_key(s.name, token)
                       : inject_key(s.name, token, mode);
    if (mode == RekeyMode::replace)
        record_replaced_vp(cfg, s.name);
    return r;
}

DeviceReport device_report(const ManagerConfig& cfg, const std::string& name)
{
    auto r = device_report(name);
    if (r.kind != KeySourceKind::secure && r.kind != KeySourceKind::random_secure)
        return r;
    try {
        const auto key = device_key(cfg, device_state_for(cfg, name, r.uuid));
        PkeyDevice dev(cfg.keys.pkey_device);
        r.master_key = master_key_state(key, dev);
    } catch (const std::exception& e) {
        r.master_key_error = e.what();
    }
    return r;
}

DeviceReport device_report(const std::string& name)
{
    DeviceReport r;
    r.name = name;
    const auto info = dm_device_info(name);
    if (!info.exists)
        throw Error(Errc::not_found, "device-mapper device '" + name + "' does not exist");
    r.uuid = info.uuid;
    r.kind = kind_from_uuid(info.uuid);
    r.suspended = info.suspended;
    r.open_count = info.open_count;
    try {
        r.status = paes_status(name);
        // Status keytype (docs/target.md): xts-* for a token pair,
        // fxts-* for a full-XTS token.
        if (const auto kt = r.status.get("keytype"))
            r.key_form = kt->starts_with("fxts-")  ? std::string(token_form_name(TokenForm::full_xts))
                         : kt->starts_with("xts-") ? std::string(token_form_name(TokenForm::xts_pair))
                                                   : "";
        const auto t = dm_table(name);
        if (!t.empty())
            r.table = t[0].params;
    } catch (const Error& e) {
        r.error = e.what();
    }
    return r;
}

}  // namespace pkeydm
