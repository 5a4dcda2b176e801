#include "pkeydm/key/secure_key.hpp"

#include <uapi/pkeydm/pkey_abi.h>

#include <cstddef>
#include <cstring>

#include "pkeydm/error.hpp"
#include "pkeydm/hex.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

static_assert(sizeof(pkey_cipherkeytoken) == 56);
static_assert(offsetof(pkey_cipherkeytoken, len) == 2);
static_assert(offsetof(pkey_cipherkeytoken, mkvp0) == 10);
static_assert(offsetof(pkey_cipherkeytoken, wpllen) == 38);
static_assert(offsetof(pkey_cipherkeytoken, algtype) == 41);
static_assert(offsetof(pkey_cipherkeytoken, keytype) == 42);
static_assert(offsetof(pkey_cipherkeytoken, kmf1) == 50);
static_assert(offsetof(pkey_cipherkeytoken, plfver) == 28);
static_assert(sizeof(pkey_ep11kblob_header) == 16);
static_assert(sizeof(pkey_ep11keyblob) == 256);
static_assert(offsetof(pkey_ep11keyblob, wkvp) == 32);
static_assert(offsetof(pkey_ep11keyblob, attr) == 48);
static_assert(offsetof(pkey_ep11keyblob, version) == 64);

namespace {

// CCA's limit for a variable-length symmetric key token.
constexpr std::size_t max_cca_cipher_token = 725;
constexpr std::uint8_t cca_kms_master_key = 0x03;
constexpr std::uint8_t cca_alg_aes = 0x02;
constexpr std::uint16_t cca_keytype_cipher = 0x0001;

std::string hex2(std::uint8_t v)
{
    return "0x" + hex_encode(std::span(&v, 1));
}

[[noreturn]] void bad(std::string_view what, const std::string& msg)
{
    throw Error(Errc::config, std::string(what) + ": " + msg);
}

void need(std::span<const std::uint8_t> b, std::size_t n, std::string_view what, std::string_view kind)
{
    if (b.size() < n)
        bad(what, "is " + std::to_string(b.size()) + " bytes, too short for a " + std::string(kind) + " token (" +
                      std::to_string(n) + ")");
}

SecureKeyTokenInfo inspect_aesdata(std::span<const std::uint8_t> b, std::string_view what)
{
    need(b, secure_key_token_size, what, "CCA AESDATA");
    const auto k = parse_secure_key_token(b.first(secure_key_token_size), what);
    return {SecureKeyType::cca_aesdata, k.bitsize, hex_encode(k.mkvp), secure_key_token_size};
}

SecureKeyTokenInfo inspect_aescipher(std::span<const std::uint8_t> b, std::string_view what)
{
    constexpr std::size_t fixed = sizeof(pkey_cipherkeytoken);
    need(b, fixed, what, "CCA AESCIPHER");
    const std::size_t len = load_native_u16(b.data() + offsetof(pkey_cipherkeytoken, len));
    if (len < fixed || len > max_cca_cipher_token)
        bad(what, "field 'len' is " + std::to_string(len) + ", a CCA AESCIPHER token has " + std::to_string(fixed) +
                      ".." + std::to_string(max_cca_cipher_token) + " bytes (native byte order)");
    if (len > b.size())
        bad(what, "field 'len' says " + std::to_string(len) + " bytes, only " + std::to_string(b.size()) +
                      " are there");
    if (b[offsetof(pkey_cipherkeytoken, kms)] != cca_kms_master_key)
        bad(what, "field 'kms' is " + hex2(b[offsetof(pkey_cipherkeytoken, kms)]) +
                      ", expected 0x03 (enciphered under the master key)");
    if (b[offsetof(pkey_cipherkeytoken, algtype)] != cca_alg_aes)
        bad(what, "field 'algtype' is " + hex2(b[offsetof(pkey_cipherkeytoken, algtype)]) + ", expected 0x02 (AES)");
    const auto keytype = load_native_u16(b.data() + offsetof(pkey_cipherkeytoken, keytype));
    if (keytype != cca_keytype_cipher)
        bad(what, "field 'keytype' is " + std::to_string(keytype) + ", expected 1 (CIPHER)");
    if (!(load_native_u16(b.data() + offsetof(pkey_cipherkeytoken, kmf1)) & PKEY_KEYGEN_XPRT_CPAC))
        bad(what, "field 'kmf1' lacks XPRT-CPAC (0x0800): the card would not make a protected key of it");
    const unsigned plfver = b[offsetof(pkey_cipherkeytoken, plfver)];
    if (plfver > 1)
        bad(what, "field 'plfver' is " + hex2(static_cast<std::uint8_t>(plfver)) + ", expected 0x00 or 0x01");
    const unsigned wpllen = load_native_u16(b.data() + offsetof(pkey_cipherkeytoken, wpllen));
    if (wpllen != 512 && wpllen != 576 && wpllen != 640)
        bad(what, "field 'wpllen' is " + std::to_string(wpllen) + ", expected 512, 576 or 640");
    // Only a version-0 payload tells the key size, by its wrapped length;
    // a version-1 payload is always 640 bits.
    const unsigned bits = plfver != 0 ? 0 : wpllen == 512 ? 128 : wpllen == 576 ? 192 : 256;
    const auto mkvp = b.subspan(offsetof(pkey_cipherkeytoken, mkvp0), 8);
    return {SecureKeyType::cca_aescipher, bits, hex_encode(mkvp), len};
}

SecureKeyTokenInfo inspect_ep11(std::span<const std::uint8_t> b, std::string_view what)
{
    constexpr std::size_t hdr = sizeof(pkey_ep11kblob_header);
    constexpr std::size_t fixed = hdr + sizeof(pkey_ep11keyblob);
    need(b, fixed, what, "EP11 AES");
    if (b[offsetof(pkey_ep11kblob_header, hver)] != 0)
        bad(what, "field 'hver' is " + hex2(b[1]) + ", expected 0x00");
    const std::size_t len = load_native_u16(b.data() + offsetof(pkey_ep11kblob_header, len));
    if (len < fixed || len > MAXEP11AESKEYBLOBSIZE)
        bad(what, "field 'len' is " + std::to_string(len) + ", an EP11 AES key with header has " +
                      std::to_string(fixed) + ".." + std::to_string(MAXEP11AESKEYBLOBSIZE) + " bytes (native byte order)");
    if (len > b.size())
        bad(what, "field 'len' says " + std::to_string(len) + " bytes, only " + std::to_string(b.size()) +
                      " are there");
    const unsigned bits = load_native_u16(b.data() + offsetof(pkey_ep11kblob_header, bitlen));
    if (bits != 128 && bits != 192 && bits != 256)
        bad(what, "field 'bitlen' is " + std::to_string(bits) + ", expected 128, 192 or 256");
    const auto blob = b.subspan(hdr);
    const auto magic = load_native_u16(blob.data() + offsetof(pkey_ep11keyblob, version));
    if (magic != PKEY_EP11_STRUCT_MAGIC)
        bad(what, "blob field 'version' is " + std::to_string(magic) + ", expected 0x1234 (EP11 struct magic)");
    std::uint64_t attr;
    std::memcpy(&attr, blob.data() + offsetof(pkey_ep11keyblob, attr), sizeof attr);
    if (!(attr & PKEY_EP11_BLOB_PKEY_EXTRACTABLE))
        bad(what, "blob field 'attr' lacks PKEY_EXTRACTABLE: the card would not make a protected key of it");
    const auto wkvp = blob.subspan(offsetof(pkey_ep11keyblob, wkvp), 16);
    return {SecureKeyType::ep11, bits, hex_encode(wkvp), len};
}

}  // namespace

std::string_view secure_key_type_name(SecureKeyType t) noexcept
{
    switch (t) {
    case SecureKeyType::cca_aesdata: return "cca-aesdata";
    case SecureKeyType::cca_aescipher: return "cca-aescipher";
    case SecureKeyType::ep11: return "ep11";
    }
    return "?";
}

std::optional<SecureKeyType> secure_key_type_from_name(std::string_view s) noexcept
{
    for (auto t : {SecureKeyType::cca_aesdata, SecureKeyType::cca_aescipher, SecureKeyType::ep11})
        if (secure_key_type_name(t) == s)
            return t;
    return std::nullopt;
}

std::uint32_t pkey_type_of(SecureKeyType t) noexcept
{
    switch (t) {
    case SecureKeyType::cca_aesdata: return PKEY_TYPE_CCA_DATA;
    case SecureKeyType::cca_aescipher: return PKEY_TYPE_CCA_CIPHER;
    case SecureKeyType::ep11: return PKEY_TYPE_EP11_AES;
    }
    return 0;
}

std::size_t max_secure_key_size(SecureKeyType t) noexcept
{
    switch (t) {
    case SecureKeyType::cca_aesdata: return secure_key_token_size;
    case SecureKeyType::cca_aescipher: return max_cca_cipher_token;
    case SecureKeyType::ep11: return MAXEP11AESKEYBLOBSIZE;
    }
    return 0;
}

SecureKeyTokenInfo inspect_secure_key(std::span<const std::uint8_t> b, std::string_view what)
{
    if (b.size() < 8)
        bad(what, "is " + std::to_string(b.size()) + " bytes, too short for any secure-key token");
    // The first byte tells CCA (internal token) from the EP11 header; the
    // version byte then the kind of token.
    if (b[0] == PKEY_TOKTYPE_CCA_INTERNAL) {
        if (b[4] == PKEY_TOKVER_CCA_AES)
            return inspect_aesdata(b, what);
        if (b[4] == PKEY_TOKVER_CCA_VLSC)
            return inspect_aescipher(b, what);
        bad(what, "field 'version' is " + hex2(b[4]) + ", expected 0x04 (CCA AESDATA) or 0x05 (CCA AESCIPHER)");
    }
    if (b[0] == PKEY_TOKTYPE_NON_CCA) {
        if (b[4] == PKEY_TOKVER_EP11_AES_WITH_HEADER)
            return inspect_ep11(b, what);
        bad(what, "field 'version' is " + hex2(b[4]) + ", expected 0x06 (EP11 AES key with header)");
    }
    bad(what, "field 'type' is " + hex2(b[0]) + ", expected 0x01 (CCA internal) or 0x00 (EP11 with header)");
}

std::vector<SecureKeyPart> split_secure_keys(std::span<const std::uint8_t> blob, std::string_view what)
{
    if (blob.empty())
        bad(what, "is empty");
    std::vector<SecureKeyPart> parts;
    std::size_t off = 0;
    while (off < blob.size()) {
        const std::string part = std::string(what) + " token " + std::to_string(parts.size() + 1) + " (offset " +
                                 std::to_string(off) + ")";
        const auto rest = blob.subspan(off);
        auto info = inspect_secure_key(rest, part);
        if (!parts.empty() && info.type != parts.front().info.type)
            bad(part, "is " + std::string(secure_key_type_name(info.type)) + ", token 1 is " +
                          std::string(secure_key_type_name(parts.front().info.type)));
        parts.push_back({rest.first(info.length), std::move(info)});
        off += parts.back().bytes.size();
    }
    return parts;
}

std::vector<SecureKeyPart> split_secure_xts_key(std::span<const std::uint8_t> blob, std::string_view what)
{
    auto parts = split_secure_keys(blob, what);
    if (parts.size() != 2)
        bad(what, "holds " + std::to_string(parts.size()) + " secure-key token(s); an XTS key is two (K1, K2)");
    const auto& k1 = parts[0].info;
    const auto& k2 = parts[1].info;
    if (k1.bits != k2.bits)
        bad(what, "K2 is a " + std::to_string(k2.bits) + "-bit key, K1 a " + std::to_string(k1.bits) + "-bit key");
    if (k1.mkvp != k2.mkvp)
        bad(what, "K2 is enciphered under another master key than K1 (" + k2.mkvp + " vs " + k1.mkvp + ")");
    return parts;
}

}  // namespace pkeydm
