#include "pkeydm/key/token.hpp"

#include <uapi/pkeydm/pkey_abi.h>

#include <cstddef>
#include <cstring>

#include "pkeydm/error.hpp"
#include "pkeydm/hex.hpp"

namespace pkeydm {

static_assert(sizeof(pkey_protaeskeytoken) == protkey_token_size);
static_assert(sizeof(pkey_secaeskeytoken) == secure_key_token_size);
static_assert(sizeof(pkey_keytoken_hdr) == 8);  // token_header_size adds keytype, len
static_assert(sizeof(pkey_clearkeytoken) == token_header_size);
static_assert(PKEY_FULLXTS_TOKEN_MAX == 112);
static_assert(offsetof(pkey_protaeskeytoken, keytype) == 8);
static_assert(offsetof(pkey_protaeskeytoken, len) == 12);
static_assert(offsetof(pkey_protaeskeytoken, protkey) == 16);
static_assert(offsetof(pkey_secaeskeytoken, mkvp) == 8);
static_assert(offsetof(pkey_secaeskeytoken, bitsize) == 56);
static_assert(offsetof(pkey_secaeskeytoken, keysize) == 58);

namespace {

constexpr std::size_t off_type = 0;
constexpr std::size_t off_version = 4;
constexpr std::size_t off_keytype = 8;
constexpr std::size_t off_len = 12;

std::string hex8(unsigned v)
{
    static const char d[] = "0123456789abcdef";
    return std::string("0x") + d[(v >> 4) & 15] + d[v & 15];
}

[[noreturn]] void bad(std::string_view what, const std::string& msg)
{
    throw Error(Errc::config, std::string(what) + ": " + msg);
}

// Header checks shared by protected and clear tokens.
void check_header(std::span<const std::uint8_t> b, std::uint8_t version, std::string_view what)
{
    if (b[off_type] != PKEY_TOKTYPE_NON_CCA)
        bad(what, "field 'type' is " + hex8(b[off_type]) + ", expected 0x00 (non-CCA)");
    for (std::size_t i = 1; i < 4; ++i)
        if (b[i])
            bad(what, "field 'res0' byte " + std::to_string(i - 1) + " is not zero");
    if (b[off_version] != version)
        bad(what, "field 'version' is " + hex8(b[off_version]) + ", expected " + hex8(version) +
                      (version == PKEY_TOKVER_PROTECTED_KEY ? " (protected key)" : " (clear key)"));
    for (std::size_t i = 5; i < 8; ++i)
        if (b[i])
            bad(what, "field 'res1' byte " + std::to_string(i - 5) + " is not zero");
}

KeyType checked_keytype(std::span<const std::uint8_t> b, std::string_view what)
{
    const auto raw = load_native_u32(b.data() + off_keytype);
    const auto kt = keytype_from_u32(raw);
    if (!kt)
        bad(what, "field 'keytype' is " + std::to_string(raw) +
                      ", not a known AES key type (1, 2, 3, 10, 11; native byte order)");
    return *kt;
}

}  // namespace

std::optional<KeyType> keytype_from_u32(std::uint32_t v) noexcept
{
    switch (v) {
    case PKEY_KEYTYPE_AES_128: return KeyType::aes_128;
    case PKEY_KEYTYPE_AES_192: return KeyType::aes_192;
    case PKEY_KEYTYPE_AES_256: return KeyType::aes_256;
    case PKEY_KEYTYPE_AES_XTS_128: return KeyType::aes_xts_128;
    case PKEY_KEYTYPE_AES_XTS_256: return KeyType::aes_xts_256;
    default: return std::nullopt;
    }
}

std::string_view keytype_name(KeyType t) noexcept
{
    switch (t) {
    case KeyType::aes_128: return "AES_128";
    case KeyType::aes_192: return "AES_192";
    case KeyType::aes_256: return "AES_256";
    case KeyType::aes_xts_128: return "AES_XTS_128";
    case KeyType::aes_xts_256: return "AES_XTS_256";
    }
    return "?";
}

std::size_t protkey_length(KeyType t) noexcept
{
    return clearkey_length(t) + wkvp_size;
}

std::size_t clearkey_length(KeyType t) noexcept
{
    switch (t) {
    case KeyType::aes_128: return 16;
    case KeyType::aes_192: return 24;
    case KeyType::aes_256: return 32;
    case KeyType::aes_xts_128: return 32;
    case KeyType::aes_xts_256: return 64;
    }
    return 0;
}

std::uint32_t load_native_u32(const std::uint8_t* p) noexcept
{
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store_native_u32(std::uint8_t* p, std::uint32_t v) noexcept
{
    std::memcpy(p, &v, sizeof v);
}

std::uint16_t load_native_u16(const std::uint8_t* p) noexcept
{
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

ProtKeyInfo parse_protkey_token(std::span<const std::uint8_t> b, std::string_view what)
{
    if (b.size() < token_header_size + 8)
        bad(what, "is " + std::to_string(b.size()) + " bytes, too short for a token header");
    check_header(b, PKEY_TOKVER_PROTECTED_KEY, what);
    const KeyType kt = checked_keytype(b, what);
    const auto len = load_native_u32(b.data() + off_len);
    const bool full_xts = kt == KeyType::aes_xts_128 || kt == KeyType::aes_xts_256;
    const std::size_t expect_size = full_xts ? token_header_size + protkey_length(kt) : protkey_token_size;
    if (b.size() != expect_size)
        bad(what, "is " + std::to_string(b.size()) + " bytes, a " + std::string(keytype_name(kt)) +
                      " token has " + std::to_string(expect_size));
    if (len != protkey_length(kt))
        bad(what, "field 'len' is " + std::to_string(len) + ", expected " +
                      std::to_string(protkey_length(kt)) + " for " + std::string(keytype_name(kt)));
    ProtKeyInfo info{kt, len, {}};
    std::memcpy(info.wkvp.data(), b.data() + token_header_size + len - wkvp_size, wkvp_size);
    return info;
}

TokenInfo inspect_token(std::span<const std::uint8_t> b)
{
    if (b.size() == xts_pair_token_size) {
        const auto k1 = parse_protkey_token(b.first(protkey_token_size), "XTS token pair K1");
        const auto k2 = parse_protkey_token(b.subspan(protkey_token_size), "XTS token pair K2");
        if (k1.keytype != KeyType::aes_128 && k1.keytype != KeyType::aes_256)
            bad("XTS token pair K1", "field 'keytype' is " + std::string(keytype_name(k1.keytype)) +
                                         ", XTS needs AES_128 or AES_256");
        if (k2.keytype != k1.keytype)
            bad("XTS token pair K2", "field 'keytype' is " + std::string(keytype_name(k2.keytype)) +
                                         ", differs from K1 (" + std::string(keytype_name(k1.keytype)) + ")");
        if (k1.wkvp != k2.wkvp)
            bad("XTS token pair K2", "WKVP differs from K1: the keys were wrapped by different wrapping keys");
        return {TokenForm::xts_pair, k1.keytype, k1.keytype == KeyType::aes_128 ? 128u : 256u, k1.wkvp,
                b.size()};
    }
    const auto k = parse_protkey_token(b);
    if (k.keytype == KeyType::aes_xts_128 || k.keytype == KeyType::aes_xts_256)
        return {TokenForm::full_xts, k.keytype, k.keytype == KeyType::aes_xts_128 ? 128u : 256u, k.wkvp,
                b.size()};
    return {TokenForm::single, k.keytype, 0, k.wkvp, b.size()};
}

TokenInfo parse_xts_key(std::span<const std::uint8_t> b)
{
    const auto info = inspect_token(b);
    if (info.form == TokenForm::single)
        bad("protected-key token", "is a single " + std::string(keytype_name(info.keytype)) +
                                       " key; paes-xts needs a 160-byte pair or a full-XTS token");
    return info;
}

SecureBuffer build_protkey_token(KeyType type, std::span<const std::uint8_t> protkey)
{
    const bool full_xts = type == KeyType::aes_xts_128 || type == KeyType::aes_xts_256;
    if (protkey.size() != protkey_length(type))
        bad("protected key", "is " + std::to_string(protkey.size()) + " bytes, " +
                                 std::string(keytype_name(type)) + " needs " +
                                 std::to_string(protkey_length(type)));
    SecureBuffer t(full_xts ? token_header_size + protkey.size() : protkey_token_size);
    t.data()[off_type] = PKEY_TOKTYPE_NON_CCA;
    t.data()[off_version] = PKEY_TOKVER_PROTECTED_KEY;
    store_native_u32(t.data() + off_keytype, static_cast<std::uint32_t>(type));
    store_native_u32(t.data() + off_len, static_cast<std::uint32_t>(protkey.size()));
    std::memcpy(t.data() + token_header_size, protkey.data(), protkey.size());
    return t;
}

SecureBuffer build_xts_pair(std::span<const std::uint8_t> k1, std::span<const std::uint8_t> k2)
{
    if (k1.size() != protkey_token_size)
        bad("XTS token pair K1", "is " + std::to_string(k1.size()) + " bytes, expected 80");
    if (k2.size() != protkey_token_size)
        bad("XTS token pair K2", "is " + std::to_string(k2.size()) + " bytes, expected 80");
    auto pair = SecureBuffer::concat({k1, k2});
    inspect_token(pair.span());  // the same checks a reader does
    return pair;
}

std::span<const std::uint8_t> token_protkey_bytes(std::span<const std::uint8_t> token)
{
    const auto k = parse_protkey_token(token);
    return token.subspan(token_header_size, k.len);
}

SecureBuffer build_clear_token(KeyType type, std::span<const std::uint8_t> clearkey)
{
    if (clearkey.size() != clearkey_length(type))
        bad("clear key", "is " + std::to_string(clearkey.size()) + " bytes, " +
                             std::string(keytype_name(type)) + " needs " + std::to_string(clearkey_length(type)));
    SecureBuffer t(token_header_size + clearkey.size());
    t.data()[off_type] = PKEY_TOKTYPE_NON_CCA;
    t.data()[off_version] = PKEY_TOKVER_CLEAR_KEY;
    store_native_u32(t.data() + off_keytype, static_cast<std::uint32_t>(type));
    store_native_u32(t.data() + off_len, static_cast<std::uint32_t>(clearkey.size()));
    std::memcpy(t.data() + token_header_size, clearkey.data(), clearkey.size());
    return t;
}

ClearTokenInfo parse_clear_token(std::span<const std::uint8_t> b)
{
    constexpr std::string_view what = "clear-key token";
    if (b.size() < token_header_size)
        bad(what, "is " + std::to_string(b.size()) + " bytes, too short for a token header");
    check_header(b, PKEY_TOKVER_CLEAR_KEY, what);
    const KeyType kt = checked_keytype(b, what);
    const auto len = load_native_u32(b.data() + off_len);
    if (len != clearkey_length(kt))
        bad(what, "field 'len' is " + std::to_string(len) + ", expected " +
                      std::to_string(clearkey_length(kt)) + " for " + std::string(keytype_name(kt)));
    if (b.size() != token_header_size + len)
        bad(what, "is " + std::to_string(b.size()) + " bytes, header + len is " +
                      std::to_string(token_header_size + len));
    return {kt, len};
}

SecureKeyInfo parse_secure_key_token(std::span<const std::uint8_t> b, std::string_view what)
{
    if (b.size() != secure_key_token_size)
        bad(what, "is " + std::to_string(b.size()) + " bytes, a CCA AESDATA token has 64");
    if (b[offsetof(pkey_secaeskeytoken, type)] != PKEY_TOKTYPE_CCA_INTERNAL)
        bad(what, "field 'type' is " + hex8(b[0]) + ", expected 0x01 (CCA internal)");
    if (b[offsetof(pkey_secaeskeytoken, version)] != PKEY_TOKVER_CCA_AES)
        bad(what, "field 'version' is " + hex8(b[4]) + ", expected 0x04 (CCA AESDATA)");
    SecureKeyInfo info{};
    info.flag = b[offsetof(pkey_secaeskeytoken, flag)];
    std::memcpy(info.mkvp.data(), b.data() + offsetof(pkey_secaeskeytoken, mkvp), info.mkvp.size());
    info.bitsize = load_native_u16(b.data() + offsetof(pkey_secaeskeytoken, bitsize));
    info.keysize = load_native_u16(b.data() + offsetof(pkey_secaeskeytoken, keysize));
    if (info.bitsize != 128 && info.bitsize != 192 && info.bitsize != 256)
        bad(what, "field 'bitsize' is " + std::to_string(info.bitsize) + ", expected 128, 192 or 256");
    if (info.keysize == 0 || info.keysize > 32)
        bad(what, "field 'keysize' is " + std::to_string(info.keysize) + ", expected 1..32");
    return info;
}

}  // namespace pkeydm
