// Secure-key tokens: AES keys enciphered under a crypto card's master key,
// which the card (through the pkey driver) turns into protected keys again
// after every wrapping-key change.
//   cca-aesdata    CCA AESDATA internal token, 64 bytes (struct pkey_secaeskeytoken)
//   cca-aescipher  CCA AESCIPHER internal token, u16 len at offset 2 = the
//                  whole token (136 bytes as the card makes them)
//   ep11           EP11 AES key blob with its 16-byte header, u16 len at
//                  offset 2 = header + blob (272 bytes as made)
// An XTS key is two of them, K1 (data) then K2 (tweak), of the same type.
// Every length comes from the token itself, never from a table of sizes:
// the card decides how long a token is.  Multi-byte fields are in CPU byte
// order (docs/formats.md "Byte order").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pkeydm {

enum class SecureKeyType { cca_aesdata, cca_aescipher, ep11 };

std::string_view secure_key_type_name(SecureKeyType t) noexcept;  // "cca-aesdata", ...
std::optional<SecureKeyType> secure_key_type_from_name(std::string_view s) noexcept;
// PKEY_TYPE_CCA_DATA, PKEY_TYPE_CCA_CIPHER or PKEY_TYPE_EP11_AES.
std::uint32_t pkey_type_of(SecureKeyType t) noexcept;
// Largest token of the type pdm accepts (CCA AESCIPHER and EP11 tokens may
// grow with card firmware; these are the driver's buffer limits).
std::size_t max_secure_key_size(SecureKeyType t) noexcept;

struct SecureKeyTokenInfo {
    SecureKeyType type;
    unsigned bits;       // 128, 192 or 256; 0 when the token does not say
    std::string mkvp;    // CCA: MKVP, 16 hex digits; EP11: WKVP, 32 hex digits
    std::size_t length;  // bytes of this token, from the token
};

// The token at the start of `blob` (which may go on with more bytes):
// every field relied upon is checked, errors name `what` and the field.
SecureKeyTokenInfo inspect_secure_key(std::span<const std::uint8_t> blob, std::string_view what = "secure key");

// Tokens laid end to end (the repository's .skey, the recovery record),
// split by their own lengths; all must have one type.
struct SecureKeyPart {
    std::span<const std::uint8_t> bytes;
    SecureKeyTokenInfo info;
};
std::vector<SecureKeyPart> split_secure_keys(std::span<const std::uint8_t> blob, std::string_view what = "secure key");

// An XTS key: exactly two tokens of one type, bits and MKVP.
std::vector<SecureKeyPart> split_secure_xts_key(std::span<const std::uint8_t> blob, std::string_view what);

}  // namespace pkeydm
