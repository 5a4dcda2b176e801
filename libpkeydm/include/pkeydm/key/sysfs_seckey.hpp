// Random secure keys from the pkey sysfs attributes, one new key per read:
//   <dir>/ccadata/ccadata_aes_{128,256}_xts       two CCA AESDATA tokens
//   <dir>/ccacipher/ccacipher_aes_{128,256}_xts   two CCA AESCIPHER tokens
//   <dir>/ep11/ep11_aes_{128,256}_xts             two EP11 AES keys with header
// The driver puts the two keys at a fixed stride (half the bytes read) and
// pads each to it; the tokens' own lengths say how much of a slot is key.
#pragma once

#include <span>
#include <string>

#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/key/secure_key.hpp"

namespace pkeydm {

inline constexpr const char* default_pkey_sysfs_dir = "/sys/devices/virtual/misc/pkey";

// "ccadata/ccadata_aes_256_xts", ...
std::string secure_xts_attr(SecureKeyType type, unsigned xts_bits);

// The two tokens of what one read of an XTS attribute returned, end to end
// without the padding.  `what` names the attribute in errors.
SecureBuffer unpack_sysfs_secure_xts(std::span<const std::uint8_t> read, SecureKeyType type, std::string_view what);

// One read at offset 0 (the driver refuses partial reads).  A missing
// attribute or a failing read (no card of the type, card offline) is
// Error(keysource) that says so and suggests keysource ephemeral.
SecureBuffer read_sysfs_secure_xts(SecureKeyType type, unsigned xts_bits, const std::string& dir = default_pkey_sysfs_dir);

}  // namespace pkeydm
