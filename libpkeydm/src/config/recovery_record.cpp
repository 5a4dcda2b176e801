#include "pkeydm/config/recovery_record.hpp"

#include <keyutils.h>

#include <cerrno>

#include "pkeydm/error.hpp"

namespace pkeydm {

namespace {

constexpr std::size_t max_state_bytes = 16 * 1024;
constexpr std::size_t max_material_bytes = 4096;

std::string state_desc(const std::string& name)
{
    return "pdm-state:" + name;
}

std::string material_desc(const std::string& name)
{
    return "pdm-material:" + name;
}

// Root may read the key back whatever its session keyring is (by default
// only a possessor may), nobody else may see it.  Made in the thread
// keyring, which this thread possesses, so that it may set the permissions
// and link the key into @u (replacing an older one of the same name).
void add_user_key(const std::string& desc, std::span<const std::uint8_t> payload)
{
    const key_serial_t id = ::add_key("user", desc.c_str(), payload.data(), payload.size(), KEY_SPEC_THREAD_KEYRING);
    if (id < 0)
        throw_errno(Errc::keyring, "cannot add user key '" + desc + "' to the thread keyring", errno);
    const key_perm_t perm = KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH;
    int err = 0;
    if (::keyctl_setperm(id, perm) < 0)
        err = errno;
    else if (::keyctl_link(id, KEY_SPEC_USER_KEYRING) < 0)
        err = errno;
    ::keyctl_unlink(id, KEY_SPEC_THREAD_KEYRING);
    if (err)
        throw_errno(Errc::keyring, "cannot put user key '" + desc + "' into the user keyring", err);
}

std::optional<key_serial_t> find_user_key(const std::string& desc)
{
    const long id = ::keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc.c_str(), 0);
    if (id >= 0)
        return static_cast<key_serial_t>(id);
    if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED)
        return std::nullopt;
    throw_errno(Errc::keyring, "cannot search the user keyring for '" + desc + "'", errno);
}

// The payload, read into locked memory without an intermediate copy.
SecureBuffer read_user_key(key_serial_t id, const std::string& desc, std::size_t max_bytes)
{
    SecureBuffer buf(max_bytes);
    const long n = ::keyctl_read(id, reinterpret_cast<char*>(buf.data()), buf.size());
    if (n < 0)
        throw_errno(Errc::keyring, "cannot read user key '" + desc + "'", errno);
    if (static_cast<std::size_t>(n) > max_bytes)
        throw Error(Errc::keyring, "user key '" + desc + "' holds " + std::to_string(n) + " bytes, more than " +
                                       std::to_string(max_bytes));
    SecureBuffer out(buf.data(), static_cast<std::size_t>(n));
    return out;
}

bool unlink_user_key(const std::string& desc)
{
    const auto id = find_user_key(desc);
    if (!id)
        return false;
    if (::keyctl_unlink(*id, KEY_SPEC_USER_KEYRING) < 0 && errno != ENOENT)
        throw_errno(Errc::keyring, "cannot unlink user key '" + desc + "'", errno);
    return true;
}

}  // namespace

void save_recovery_record(const DeviceState& s, std::span<const std::uint8_t> material)
{
    const std::string json = format_device_state(s);
    // State last, after the old one is gone: a failure in between leaves no
    // record (pdmd then reads the files once), never new material beside an
    // old state.
    unlink_user_key(state_desc(s.name));
    if (!material.empty())
        add_user_key(material_desc(s.name), material);
    else
        unlink_user_key(material_desc(s.name));
    add_user_key(state_desc(s.name), {reinterpret_cast<const std::uint8_t*>(json.data()), json.size()});
}

std::optional<RecoveryRecord> load_recovery_record(const std::string& name)
{
    const auto sid = find_user_key(state_desc(name));
    if (!sid)
        return std::nullopt;
    const auto text = read_user_key(*sid, state_desc(name), max_state_bytes);
    RecoveryRecord r;
    r.state = parse_device_state({reinterpret_cast<const char*>(text.data()), text.size()},
                                 "user key " + state_desc(name));
    if (r.state.name != name)
        throw Error(Errc::config, "user key " + state_desc(name) + " describes device '" + r.state.name + "'");
    if (const auto mid = find_user_key(material_desc(name)))
        r.material = read_user_key(*mid, material_desc(name), max_material_bytes);
    return r;
}

bool remove_recovery_record(const std::string& name)
{
    const bool had_material = unlink_user_key(material_desc(name));
    return unlink_user_key(state_desc(name)) || had_material;
}

}  // namespace pkeydm
