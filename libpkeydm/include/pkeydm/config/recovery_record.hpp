// What pdmd needs to derive a device's key again, kept where a stale swap
// device cannot take it away: the kernel keyring, whose payloads are kernel
// memory and never swapped.  The device state (/run/pdm/NAME.json) and the
// key material (repository .skey, clear key file) are files; on a system
// whose /run, /etc or root file system is tmpfs their pages may be on the
// very swap device whose key is stale, so reading them then would wait for
// the key that reading them is meant to produce.
//
// Two `user` keys in the user keyring (@u) of root, per device:
//   "pdm-state:<name>"     the device state, as /run/pdm/<name>.json holds it
//   "pdm-material:<name>"  the key material (secure key blob, clear key
//                          bytes); absent for an ephemeral key
// pdm create writes them, pdm remove unlinks them, and pdmd writes them when
// it first watches a device that has none (it read the files then).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "pkeydm/config/device_state.hpp"
#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {

struct RecoveryRecord {
    DeviceState state;
    SecureBuffer material;
};

void save_recovery_record(const DeviceState& s, std::span<const std::uint8_t> material);
// nullopt when there is no record for `name`; throws on a malformed one.
std::optional<RecoveryRecord> load_recovery_record(const std::string& name);
// Unlinks both keys; false if there were none.
bool remove_recovery_record(const std::string& name);

}  // namespace pkeydm
