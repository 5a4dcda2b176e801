#define BOOST_TEST_MODULE token
#include <boost/test/unit_test.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/key/token.hpp"
#include "token_fixtures.hpp"

using namespace pkeydm;

namespace {

std::string error_of(auto&& f)
{
    try {
        f();
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::config));
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(single_tokens)
{
    const auto t128 = make_prot_token(1, 48);
    const auto i = parse_protkey_token(t128);
    BOOST_TEST((i.keytype == KeyType::aes_128));
    BOOST_TEST(i.len == 48u);
    BOOST_TEST(i.wkvp[0] == 0xee);
    BOOST_TEST(i.wkvp[31] == 0xee);
    BOOST_TEST((inspect_token(t128).form == TokenForm::single));
    BOOST_TEST((parse_protkey_token(make_prot_token(2, 56)).keytype == KeyType::aes_192));
    BOOST_TEST((parse_protkey_token(make_prot_token(3, 64)).keytype == KeyType::aes_256));
}

BOOST_AUTO_TEST_CASE(full_xts_tokens)
{
    const auto x128 = make_prot_token(10, 64, 0x11, 0xee, 80);
    const auto x256 = make_prot_token(11, 96, 0x11, 0xee, 112);
    auto i = parse_xts_key(x128);
    BOOST_TEST((i.form == TokenForm::full_xts));
    BOOST_TEST(i.xts_bits == 128u);
    i = parse_xts_key(x256);
    BOOST_TEST(i.xts_bits == 256u);
    BOOST_TEST(i.size == 112u);
    BOOST_TEST(error_of([] { parse_xts_key(make_prot_token(11, 96, 0x11, 0xee, 80)); }) ==
               "protected-key token: is 80 bytes, a AES_XTS_256 token has 112");
}

BOOST_AUTO_TEST_CASE(pairs)
{
    const auto p = make_pair();
    const auto i = parse_xts_key(p);
    BOOST_TEST((i.form == TokenForm::xts_pair));
    BOOST_TEST(i.xts_bits == 256u);
    BOOST_TEST(parse_xts_key(make_pair(1, 48)).xts_bits == 128u);

    auto mixed = make_prot_token(1, 48);
    const auto k2 = make_prot_token(3, 64);
    mixed.insert(mixed.end(), k2.begin(), k2.end());
    BOOST_TEST(error_of([&] { parse_xts_key(mixed); }) ==
               "XTS token pair K2: field 'keytype' is AES_256, differs from K1 (AES_128)");

    auto wk = make_prot_token(3, 64, 0x11, 0xee);
    const auto k2b = make_prot_token(3, 64, 0x22, 0xef);
    wk.insert(wk.end(), k2b.begin(), k2b.end());
    BOOST_TEST(error_of([&] { parse_xts_key(wk); }) ==
               "XTS token pair K2: WKVP differs from K1: the keys were wrapped by different wrapping keys");

    auto p192 = make_pair(2, 56);
    BOOST_TEST(error_of([&] { parse_xts_key(p192); }) ==
               "XTS token pair K1: field 'keytype' is AES_192, XTS needs AES_128 or AES_256");

    auto bad_k2 = make_pair();
    bad_k2[80 + 4] = 0x02;
    BOOST_TEST(error_of([&] { parse_xts_key(bad_k2); }) ==
               "XTS token pair K2: field 'version' is 0x02, expected 0x01 (protected key)");

    BOOST_TEST(error_of([] { parse_xts_key(make_prot_token(3, 64)); }) ==
               "protected-key token: is a single AES_256 key; paes-xts needs a 160-byte pair or a full-XTS token");
}

BOOST_AUTO_TEST_CASE(malformed_fields)
{
    auto t = make_prot_token(3, 64);
    t[0] = 0x01;
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) ==
               "protected-key token: field 'type' is 0x01, expected 0x00 (non-CCA)");
    t = make_prot_token(3, 64);
    t[2] = 1;
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) == "protected-key token: field 'res0' byte 1 is not zero");
    t = make_prot_token(3, 64);
    t[6] = 1;
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) == "protected-key token: field 'res1' byte 1 is not zero");
    t = make_prot_token(7, 64);
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) ==
               "protected-key token: field 'keytype' is 7, not a known AES key type (1, 2, 3, 10, 11; native byte order)");
    // A big-endian keytype read on a little-endian machine: a foreign token.
    t = make_prot_token(0x03000000, 64);
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }).find("field 'keytype' is 50331648") != std::string::npos);
    t = make_prot_token(3, 48);
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) ==
               "protected-key token: field 'len' is 48, expected 64 for AES_256");
    t = make_prot_token(3, 64);
    t.pop_back();
    BOOST_TEST(error_of([&] { parse_protkey_token(t); }) ==
               "protected-key token: is 79 bytes, a AES_256 token has 80");
    BOOST_TEST(error_of([] { parse_protkey_token(std::vector<std::uint8_t>(10)); }) ==
               "protected-key token: is 10 bytes, too short for a token header");
    BOOST_TEST(error_of([] { inspect_token(std::vector<std::uint8_t>{}); }) ==
               "protected-key token: is 0 bytes, too short for a token header");
}

BOOST_AUTO_TEST_CASE(builders)
{
    std::vector<std::uint8_t> pk(64, 0x33);
    const auto t = build_protkey_token(KeyType::aes_256, pk);
    BOOST_TEST(t.size() == 80u);
    const auto ref = make_prot_token(3, 64, 0x33, 0x33);
    BOOST_TEST(std::vector<std::uint8_t>(t.data(), t.data() + t.size()) == ref);
    const auto raw = token_protkey_bytes(t.span());
    BOOST_TEST(raw.size() == 64u);

    std::vector<std::uint8_t> pk128(48, 0x44);
    const auto t128 = build_protkey_token(KeyType::aes_128, pk128);
    BOOST_TEST(t128.size() == 80u);  // zero padded
    BOOST_TEST(t128.data()[79] == 0);

    std::vector<std::uint8_t> full(96, 0x55);
    BOOST_TEST(build_protkey_token(KeyType::aes_xts_256, full).size() == 112u);

    BOOST_TEST(error_of([] {
                   std::vector<std::uint8_t> s(40);
                   build_protkey_token(KeyType::aes_128, s);
               }) == "protected key: is 40 bytes, AES_128 needs 48");

    const auto a = build_protkey_token(KeyType::aes_256, pk);
    const auto b = build_protkey_token(KeyType::aes_256, pk);
    BOOST_TEST(build_xts_pair(a.span(), b.span()).size() == 160u);
    BOOST_TEST(error_of([&] { build_xts_pair(a.span(), t128.span()); }).find("differs from K1") != std::string::npos);
    BOOST_TEST(error_of([&] { build_xts_pair(a.span(), a.span().first(79)); }) ==
               "XTS token pair K2: is 79 bytes, expected 80");
}

BOOST_AUTO_TEST_CASE(clear_tokens)
{
    std::vector<std::uint8_t> ck(32, 0x99);
    const auto t = build_clear_token(KeyType::aes_256, ck);
    BOOST_TEST(t.size() == 48u);
    const auto i = parse_clear_token(t.span());
    BOOST_TEST((i.keytype == KeyType::aes_256));
    BOOST_TEST(i.len == 32u);
    std::vector<std::uint8_t> x(t.data(), t.data() + t.size());
    x[4] = 0x01;
    BOOST_TEST(error_of([&] { parse_clear_token(x); }) ==
               "clear-key token: field 'version' is 0x01, expected 0x02 (clear key)");
    x = std::vector<std::uint8_t>(t.data(), t.data() + t.size());
    put_u32(x, 12, 16);
    BOOST_TEST(error_of([&] { parse_clear_token(x); }) ==
               "clear-key token: field 'len' is 16, expected 32 for AES_256");
    x = std::vector<std::uint8_t>(t.data(), t.data() + t.size());
    x.push_back(0);
    BOOST_TEST(error_of([&] { parse_clear_token(x); }) == "clear-key token: is 49 bytes, header + len is 48");
    std::vector<std::uint8_t> xts(64, 1);
    BOOST_TEST(build_clear_token(KeyType::aes_xts_256, xts).size() == 80u);
    BOOST_TEST(error_of([&] { build_clear_token(KeyType::aes_128, xts); }) == "clear key: is 64 bytes, AES_128 needs 16");
}

BOOST_AUTO_TEST_CASE(secure_key_tokens)
{
    const auto t = make_cca_token(256, 0x10);
    const auto i = parse_secure_key_token(t);
    BOOST_TEST(i.bitsize == 256);
    BOOST_TEST(i.keysize == 32);
    BOOST_TEST(i.mkvp[0] == 0x10);
    BOOST_TEST(i.mkvp[7] == 0x17);

    auto x = t;
    x[0] = 0x00;
    BOOST_TEST(error_of([&] { parse_secure_key_token(x); }) ==
               "secure-key token: field 'type' is 0x00, expected 0x01 (CCA internal)");
    x = t;
    x[4] = 0x05;
    BOOST_TEST(error_of([&] { parse_secure_key_token(x); }) ==
               "secure-key token: field 'version' is 0x05, expected 0x04 (CCA AESDATA)");
    BOOST_TEST(error_of([] { parse_secure_key_token(make_cca_token(100)); }) ==
               "secure-key token: field 'bitsize' is 100, expected 128, 192 or 256");
    x = t;
    x[58] = 0;
    x[59] = 0;
    BOOST_TEST(error_of([&] { parse_secure_key_token(x); }) ==
               "secure-key token: field 'keysize' is 0, expected 1..32");
    x = t;
    x.push_back(0);
    BOOST_TEST(error_of([&] { parse_secure_key_token(x); }) ==
               "secure-key token: is 65 bytes, a CCA AESDATA token has 64");
}

BOOST_AUTO_TEST_CASE(keytype_tables)
{
    BOOST_TEST(protkey_length(KeyType::aes_128) == 48u);
    BOOST_TEST(protkey_length(KeyType::aes_192) == 56u);
    BOOST_TEST(protkey_length(KeyType::aes_256) == 64u);
    BOOST_TEST(protkey_length(KeyType::aes_xts_128) == 64u);
    BOOST_TEST(protkey_length(KeyType::aes_xts_256) == 96u);
    BOOST_TEST(!keytype_from_u32(4).has_value());
    BOOST_TEST(keytype_name(KeyType::aes_xts_128) == "AES_XTS_128");
}
