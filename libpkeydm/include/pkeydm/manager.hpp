// The device operations shared by pdm and pdmd.  A failed create leaves
// nothing behind (no dm device, keyring key or state file) unless a device
// of its name still exists afterwards: that one keeps its key and state, and
// the error says so (device_backend.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkeydm/config/device_state.hpp"
#include "pkeydm/key/key_source.hpp"
#include "pkeydm/device/paes_status.hpp"
#include "pkeydm/device/paes_table.hpp"
#include "pkeydm/config/pdmtab.hpp"

namespace pkeydm {

struct ManagerConfig {
    KeyContext keys;
    std::string state_dir = default_state_dir;
    std::string pdmtab = default_pdmtab;
};

// Size of a block device (or regular file, for tests) in 512-byte sectors.
std::uint64_t device_sectors(const std::string& path);

// The table pdm loads: key by keyring reference pdm:<name>.
PaesTable build_paes_table(const DeviceState& s, std::uint64_t sectors, std::size_t token_bytes);

std::string mapper_path(const std::string& name);

struct CreateOptions {
    bool swapon = false;
    bool mkswap = true;  // when options.swap
};
// `s.device` is resolved here when it is a TAG=value spec.  Runs under the
// lock <state_dir>/<name>.lock, as remove_device does.
void create_device(const ManagerConfig& cfg, DeviceState s, const CreateOptions& co);

// Swap off if active, remove the dm device, unlink pdm:<name>, forget state.
// Refuses a device without a PDM- UUID unless `force`.
void remove_device(const ManagerConfig& cfg, const std::string& name, bool force);

// What is known about a pdm device; state from /run/pdm, else the pdmtab
// entry, else the UUID's kind with defaults.
DeviceState device_state_for(const ManagerConfig& cfg, const std::string& name, const std::string& uuid);

enum class RekeyMode { set, replace };
struct RekeyResult {
    PaesStatus before;
    PaesStatus after;
};
// Derive (set) or make a new (replace) token, update the keyring key, send
// `key set`/`key replace` with the keyring reference.  The target replaces
// only a stale, lost or missing key; with `force` a valid one is replaced
// too: the device is suspended, its key wiped, replaced, and resumed.
RekeyResult rekey_device(const ManagerConfig& cfg, const DeviceState& s, RekeyMode mode, bool force = false);
// The injection half of rekey_device, for a token made by the caller (pdmd
// derives from key material it loaded when the device appeared).  A replace
// names the generation it replaces (`key replace <key> <gen>`):
// `replacing_gen`, the one the caller decided on, or else the one the status
// shows now; the target refuses it (Errc::verify) if the key is valid or
// another key was installed since.  `before`: the status the caller has
// just read, reported as RekeyResult::before instead of reading it again.
RekeyResult inject_key(const std::string& name, const SecureBuffer& token, RekeyMode mode,
                       std::optional<std::uint64_t> replacing_gen = std::nullopt,
                       const PaesStatus* before = nullptr);

PaesStatus paes_status(const std::string& name);
// The same, and the UUID of the device that answered (see dm_status).
PaesStatus paes_status(const std::string& name, std::string& uuid);

struct DeviceReport {
    std::string name;
    std::string uuid;
    std::optional<KeySourceKind> kind;
    PaesStatus status;
    std::string table;  // target parameters (keys never in hex)
    bool suspended = false;
    int open_count = 0;
    std::string error;  // status could not be read
    // "two-key" (K1/K2 token pair) or "full-xts" (one full-XTS token), from
    // the target's keytype; empty when unknown.
    std::string key_form;
    // Secure and random-secure devices: under which master key of the card
    // their secure key is enciphered; master_key_error says why it is
    // unknown.
    std::optional<MasterKeyState> master_key;
    std::string master_key_error;
};
// The master-key part needs the state (file or record) and /dev/pkey;
// `cfg` says where they are.
DeviceReport device_report(const ManagerConfig& cfg, const std::string& name);
DeviceReport device_report(const std::string& name);

// What pdmd calls once it has a device's key source, while it can still
// open files: for an ephemeral key, the sysfs attributes of the form the
// device's key has (from its status), so a new key later opens nothing.
void prepare_regeneration(LoadedKeySource& key, const KeyContext& ctx, const std::string& name);

}  // namespace pkeydm
