// pdm key validate: per repository key, under which of the card's master
// keys it is enciphered (as zkey validate reports it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pkeydm/key/key_source.hpp"
#include "pkeydm/key/repository.hpp"

namespace pkeydm {

class PkeyDevice;

struct KeyValidation {
    std::string name;
    std::string type;  // secure-key type name; empty when the entry is unreadable
    unsigned bits = 0;  // XTS key bits (128, 256); 0 when unknown
    std::string mkvp;
    std::optional<MasterKeyState> state;  // nullopt: the entry could not be checked
    std::string error;                    // why not, or why unusable
};

// Never throws for a bad entry: the answer says what is wrong with it.
KeyValidation validate_key(const Repository& repo, const std::string& name, PkeyDevice& dev);
// One line of advice for the state (re-encipher for old), empty for current.
std::string validation_hint(const KeyValidation& v);
// {"keys":[{"name":..,"type":..,"bits":..,"mkvp":..,"state":..,"hint":..,"error":..}]}
std::string format_validation_json(const std::vector<KeyValidation>& keys);
// Non-zero exit wanted: some key is unusable or could not be checked.
bool validation_failed(const std::vector<KeyValidation>& keys) noexcept;

}  // namespace pkeydm
