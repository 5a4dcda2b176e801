// What pdmd needs to regenerate a device's key, recorded when pdm creates it.
//
// Two places, on purpose:
//  - the dm UUID, "PDM-<KIND>-<name>" with KIND EPHEMERAL, SECURE, CLEAR or
//    RANDOMSECURE:
//    lives exactly as long as the device, marks it as pdm's, and tells pdmd
//    whether the key can be derived again even when nothing else is known;
//  - a state file /run/pdm/<name>.json (tmpfs: same lifetime as the device,
//    0600): key source with its argument, XTS size, on-key-loss policy, and
//    the verification pattern the target printed once the device existed.
// pdmd reads the state file, falls back to the pdmtab entry of the same name,
// and for an EPHEMERAL device without either uses the defaults (replace,
// xts-256 from the loaded key size).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pkeydm/config/pdmtab.hpp"

namespace pkeydm {

inline constexpr const char* default_state_dir = "/run/pdm";

std::string pdm_uuid(KeySourceKind kind, std::string_view name);
// nullopt for a UUID that is not "PDM-<KIND>-..."
std::optional<KeySourceKind> kind_from_uuid(std::string_view uuid);

struct DeviceState {
    std::string name;
    std::string device;  // resolved path
    KeySource source;
    DeviceOptions options;
    // The target's verification pattern of the device's key (32 lower-case
    // hex digits; empty until known).  Tables pdm loads carry it as vp:, so
    // the kernel refuses any other effective key.
    std::string vp;
};

std::string format_device_state(const DeviceState& s);  // JSON
DeviceState parse_device_state(std::string_view json, std::string_view what);

void save_device_state(const std::string& dir, const DeviceState& s);
std::optional<DeviceState> load_device_state(const std::string& dir, const std::string& name);
void remove_device_state(const std::string& dir, const std::string& name);

}  // namespace pkeydm
