// An XTS secure key as material (two tokens end to end), shared by the
// secure and random-secure sources: checks, conversion to a protected-key
// pair, and the master-key state.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "pkeydm/key/key_source.hpp"
#include "pkeydm/key/secure_key.hpp"

namespace pkeydm {

class PkeyDevice;

// Two tokens of one type, both `xts_bits` (when the tokens tell their size).
std::vector<SecureKeyPart> check_secure_xts_material(std::span<const std::uint8_t> material, unsigned xts_bits,
                                                     std::string_view what);
// K1 and K2 converted (PKEY_KBLOB2PROTK3) into a 160-byte pair.  ENODEV (no
// card can convert it) is rethrown as Error(keysource, ..., ENODEV) naming
// `what` and the MKVP/WKVP.
SecureBuffer derive_secure_xts(std::span<const std::uint8_t> material, unsigned xts_bits, std::string_view what,
                               PkeyDevice& dev);
MasterKeyState secure_master_key_state(std::span<const std::uint8_t> material, std::string_view what,
                                       PkeyDevice& dev);

}  // namespace pkeydm
