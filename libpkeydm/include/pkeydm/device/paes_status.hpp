// The `paes` target's status INFO: space-separated name=value fields, e.g.
//   key=valid gen=1 parked=0 stale_events=0 lost_blocks=0 keytype=... wkvp=1a2b3c4d ...
// Parsed generically: unknown fields are kept, missing ones read as absent,
// so a newer target with more fields does not break an older pdm.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pkeydm {

enum class KeyState { valid, stale, none, lost, unknown };

KeyState key_state_from(std::string_view s) noexcept;
std::string_view key_state_name(KeyState s) noexcept;

struct PaesStatus {
    std::map<std::string, std::string, std::less<>> fields;  // in name order
    KeyState key = KeyState::unknown;

    std::optional<std::string_view> get(std::string_view name) const;
    // The field as a number; nullopt when absent or not numeric.
    std::optional<std::uint64_t> number(std::string_view name) const;
    std::uint64_t number_or(std::string_view name, std::uint64_t dflt) const
    {
        return number(name).value_or(dflt);
    }
};

// Throws Error(config) for a token without '=' or an empty name.
PaesStatus parse_paes_status(std::string_view info);

}  // namespace pkeydm
