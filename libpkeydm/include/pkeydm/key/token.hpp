// Key tokens of the s390 pkey ABI (dm-target/include/uapi/pkeydm/pkey_abi.h):
//  - protected-key token, 80 bytes (AES-128/192/256, zero padded);
//  - XTS pair: two 80-byte AES-128 or AES-256 tokens, K1 (data) then K2 (tweak),
//    as sysfs protkey_aes_{128,256}_xts returns them: 160 bytes;
//  - full-XTS token: header + 64 (XTS-128) or 96 (XTS-256) key bytes, 80/112;
//  - clear-key token: header + clear key;
//  - CCA AESDATA secure-key token, 64 bytes.
//
// Byte order: the u32/u16/u64 fields are in the CPU's native byte order, as the
// kernel writes them (big-endian on s390, little-endian in the x86_64
// emulation).  Every parser and builder here uses native order on purpose;
// a token is never meant to move between machines (it is wrapped by a
// per-boot key anyway).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {

enum class KeyType : std::uint32_t {
    aes_128 = 1,
    aes_192 = 2,
    aes_256 = 3,
    aes_xts_128 = 10,
    aes_xts_256 = 11,
};

inline constexpr std::size_t protkey_token_size = 80;
inline constexpr std::size_t xts_pair_token_size = 160;
inline constexpr std::size_t secure_key_token_size = 64;
inline constexpr std::size_t wkvp_size = 32;
inline constexpr std::size_t token_header_size = 16;

std::optional<KeyType> keytype_from_u32(std::uint32_t v) noexcept;
std::string_view keytype_name(KeyType t) noexcept;  // "AES_256", "AES_XTS_128", ...
// Bytes of the protected key (wrapped key + 32-byte WKVP): 48, 56, 64, 64, 96.
std::size_t protkey_length(KeyType t) noexcept;
// Bytes of the clear key: 16, 24, 32, 32, 64.
std::size_t clearkey_length(KeyType t) noexcept;

using Wkvp = std::array<std::uint8_t, wkvp_size>;

// Native-order accessors, named so every use says which order it means.
std::uint32_t load_native_u32(const std::uint8_t* p) noexcept;
void store_native_u32(std::uint8_t* p, std::uint32_t v) noexcept;
std::uint16_t load_native_u16(const std::uint8_t* p) noexcept;

// One protected key inside a token.
struct ProtKeyInfo {
    KeyType keytype;
    std::uint32_t len;  // bytes of wrapped key + WKVP
    Wkvp wkvp;          // the last 32 bytes of the protected key
};

enum class TokenForm { single, xts_pair, full_xts };

struct TokenInfo {
    TokenForm form;
    // keytype of the (first) token: AES_128/256 for a pair, AES_XTS_* for full.
    KeyType keytype;
    unsigned xts_bits;  // 128 or 256 for XTS forms, 0 for a single AES token
    Wkvp wkvp;
    std::size_t size;
};

// One 80-byte protected-key token or a full-XTS token (80/112 bytes);
// `what` names the blob in error messages (e.g. "token K2").
ProtKeyInfo parse_protkey_token(std::span<const std::uint8_t> blob, std::string_view what = "protected-key token");

// Any protected-key form; the size and keytype decide which.
TokenInfo inspect_token(std::span<const std::uint8_t> blob);
// Only the forms a `paes` table accepts: 160-byte pair or full-XTS token.
TokenInfo parse_xts_key(std::span<const std::uint8_t> blob);

// Token from a raw protected key (struct pkey_protkey contents).
SecureBuffer build_protkey_token(KeyType type, std::span<const std::uint8_t> protkey);
// K1 || K2, checked: same AES_128/256 keytype, same WKVP.
SecureBuffer build_xts_pair(std::span<const std::uint8_t> k1, std::span<const std::uint8_t> k2);
// The raw protected key bytes (len bytes) of a single or full-XTS token.
std::span<const std::uint8_t> token_protkey_bytes(std::span<const std::uint8_t> token);

// Clear-key token (version 0x02).
SecureBuffer build_clear_token(KeyType type, std::span<const std::uint8_t> clearkey);
struct ClearTokenInfo {
    KeyType keytype;
    std::uint32_t len;
};
ClearTokenInfo parse_clear_token(std::span<const std::uint8_t> blob);

// CCA AESDATA internal secure-key token.
struct SecureKeyInfo {
    std::uint8_t flag;
    std::array<std::uint8_t, 8> mkvp;  // raw bytes as in the token
    std::uint16_t bitsize;
    std::uint16_t keysize;
};
SecureKeyInfo parse_secure_key_token(std::span<const std::uint8_t> blob,
                                     std::string_view what = "secure-key token");

}  // namespace pkeydm
