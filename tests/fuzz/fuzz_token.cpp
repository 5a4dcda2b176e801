// Key tokens: every parser of token.hpp and secure_key.hpp on raw bytes, the
// secure-key blob check of the repository, the sysfs secure-key unpacking,
// and the builders as the parsers' inverse.
#include "fuzz_common.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/key/secure_key.hpp"
#include "pkeydm/key/sysfs_seckey.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> b(data, size);

    std::optional<ProtKeyInfo> prot;
    fuzz::ok([&] { prot = parse_protkey_token(b); });
    if (prot) {
        // The builder rebuilds the header and key bytes (not an 80-byte
        // token's padding, which the parser does not look at).
        const auto key = token_protkey_bytes(b);
        FUZZ_CHECK(key.data() == data + token_header_size && key.size() == prot->len);
        const auto again = build_protkey_token(prot->keytype, key);
        FUZZ_CHECK(again.size() == size);
        FUZZ_CHECK(fuzz::same(again.span().first(token_header_size + prot->len),
                              b.first(token_header_size + prot->len)));
    }

    std::optional<TokenInfo> info;
    fuzz::ok([&] { info = inspect_token(b); });
    if (info) {
        FUZZ_CHECK(info->size == size);
        FUZZ_CHECK(info->form == TokenForm::single ? info->xts_bits == 0
                                                   : info->xts_bits == 128 || info->xts_bits == 256);
    }
    const bool xts_ok = fuzz::ok([&] { parse_xts_key(b); });
    FUZZ_CHECK(!xts_ok || (info && info->form != TokenForm::single));
    if (size == xts_pair_token_size) {
        const bool pair_ok = fuzz::ok([&] { build_xts_pair(b.first(80), b.subspan(80)); });
        FUZZ_CHECK(pair_ok == (info.has_value() && info->form == TokenForm::xts_pair));
    }

    std::optional<ClearTokenInfo> clear;
    fuzz::ok([&] { clear = parse_clear_token(b); });
    if (clear) {
        const auto again = build_clear_token(clear->keytype, b.subspan(token_header_size));
        FUZZ_CHECK(fuzz::same(again.span(), b));
    }

    fuzz::ok([&] { parse_secure_key_token(b); });
    for (auto t : {KeyType::aes_128, KeyType::aes_192, KeyType::aes_256, KeyType::aes_xts_128, KeyType::aes_xts_256})
        fuzz::ok([&] { check_secure_key_blob(b, t, "skey"); });

    std::optional<SecureKeyTokenInfo> sk;
    fuzz::ok([&] { sk = inspect_secure_key(b); });
    FUZZ_CHECK(!sk || (sk->length > 0 && sk->length <= size && (sk->mkvp.size() == 16 || sk->mkvp.size() == 32)));
    std::vector<SecureKeyPart> parts;
    if (fuzz::ok([&] { parts = split_secure_keys(b); })) {
        // The parts tile the input exactly, in order.
        std::size_t off = 0;
        for (const auto& p : parts) {
            FUZZ_CHECK(p.bytes.data() == data + off && p.bytes.size() == p.info.length);
            off += p.bytes.size();
        }
        FUZZ_CHECK(off == size);
    }
    fuzz::ok([&] { split_secure_xts_key(b, "xts"); });
    for (auto t : {SecureKeyType::cca_aesdata, SecureKeyType::cca_aescipher, SecureKeyType::ep11}) {
        std::optional<SecureBuffer> key;
        fuzz::ok([&] { key = unpack_sysfs_secure_xts(b, t, "sysfs"); });
        if (key) {
            std::vector<SecureKeyPart> two;
            FUZZ_CHECK(fuzz::ok([&] { two = split_secure_keys(key->span(), "unpacked"); }) && two.size() == 2);
        }
    }
    return 0;
}
