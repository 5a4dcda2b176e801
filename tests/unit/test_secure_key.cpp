#define BOOST_TEST_MODULE secure_key
#include <boost/test/unit_test.hpp>

#include <string>

#include "pkeydm/error.hpp"
#include "pkeydm/key/secure_key.hpp"
#include "pkeydm/key/sysfs_seckey.hpp"
#include "token_fixtures.hpp"

using namespace pkeydm;

namespace {

std::string error_of(auto&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(type_names)
{
    for (auto t : {SecureKeyType::cca_aesdata, SecureKeyType::cca_aescipher, SecureKeyType::ep11})
        BOOST_TEST((secure_key_type_from_name(secure_key_type_name(t)) == t));
    BOOST_TEST(secure_key_type_name(SecureKeyType::cca_aescipher) == "cca-aescipher");
    BOOST_TEST(!secure_key_type_from_name("ep12"));
    BOOST_TEST(!secure_key_type_from_name(""));
}

BOOST_AUTO_TEST_CASE(inspect_three_types)
{
    const auto d = inspect_secure_key(make_cca_token(128));
    BOOST_TEST((d.type == SecureKeyType::cca_aesdata));
    BOOST_TEST(d.bits == 128u);
    BOOST_TEST(d.mkvp == "5a5b5c5d5e5f6061");
    BOOST_TEST(d.length == 64u);

    const auto c = inspect_secure_key(make_cipher_token(192, 0x10, 150));
    BOOST_TEST((c.type == SecureKeyType::cca_aescipher));
    BOOST_TEST(c.bits == 192u);
    BOOST_TEST(c.mkvp == "1011121314151617");
    BOOST_TEST(c.length == 150u);  // from the token, not a table

    const auto e = inspect_secure_key(make_ep11_token(256, 0x00));
    BOOST_TEST((e.type == SecureKeyType::ep11));
    BOOST_TEST(e.bits == 256u);
    BOOST_TEST(e.mkvp == "000102030405060708090a0b0c0d0e0f");
    BOOST_TEST(e.length == 272u);
}

BOOST_AUTO_TEST_CASE(malformed)
{
    BOOST_TEST(error_of([] { inspect_secure_key(std::vector<std::uint8_t>(4, 1)); }) ==
               "secure key: is 4 bytes, too short for any secure-key token");
    auto t = make_cca_token();
    t[0] = 0x02;
    BOOST_TEST(error_of([&] { inspect_secure_key(t); }) ==
               "secure key: field 'type' is 0x02, expected 0x01 (CCA internal) or 0x00 (EP11 with header)");
    t = make_cca_token();
    t[4] = 0x09;
    BOOST_TEST(error_of([&] { inspect_secure_key(t); }) ==
               "secure key: field 'version' is 0x09, expected 0x04 (CCA AESDATA) or 0x05 (CCA AESCIPHER)");
    const auto cca = make_cca_token();
    BOOST_TEST(error_of([&] { inspect_secure_key(std::span(cca).first(40)); }) ==
               "secure key: is 40 bytes, too short for a CCA AESDATA token (64)");

    auto c = make_cipher_token();
    put_u16(c, 2, 400);
    BOOST_TEST(error_of([&] { inspect_secure_key(c); }) ==
               "secure key: field 'len' says 400 bytes, only 136 are there");
    put_u16(c, 2, 20);
    BOOST_TEST(error_of([&] { inspect_secure_key(c); }) ==
               "secure key: field 'len' is 20, a CCA AESCIPHER token has 56..725 bytes (native byte order)");
    c = make_cipher_token();
    c[8] = 0x02;
    BOOST_TEST(error_of([&] { inspect_secure_key(c, "K1"); }) ==
               "K1: field 'kms' is 0x02, expected 0x03 (enciphered under the master key)");
    c = make_cipher_token();
    c[41] = 0x01;
    BOOST_TEST(error_of([&] { inspect_secure_key(c); }) == "secure key: field 'algtype' is 0x01, expected 0x02 (AES)");
    c = make_cipher_token();
    put_u16(c, 38, 100);
    BOOST_TEST(error_of([&] { inspect_secure_key(c); }) ==
               "secure key: field 'wpllen' is 100, expected 512, 576 or 640");
    c = make_cipher_token();
    put_u16(c, 50, 0x00c8);
    BOOST_TEST(error_of([&] { inspect_secure_key(c); }) ==
               "secure key: field 'kmf1' lacks XPRT-CPAC (0x0800): the card would not make a protected key of it");
    c = make_cipher_token();
    c[28] = 0x01;  // plfver 1: the size is not in the token
    BOOST_TEST(inspect_secure_key(c).bits == 0u);

    auto e = make_ep11_token();
    e[4] = 0x03;
    BOOST_TEST(error_of([&] { inspect_secure_key(e); }) ==
               "secure key: field 'version' is 0x03, expected 0x06 (EP11 AES key with header)");
    e = make_ep11_token();
    put_u16(e, 16 + 64, 0x4321);
    BOOST_TEST(error_of([&] { inspect_secure_key(e); }).find("expected 0x1234") != std::string::npos);
    e = make_ep11_token();
    e[16 + 48 + 2] = 0;  // attr without PKEY_EXTRACTABLE (little- or big-endian byte 2 or 5)
    e[16 + 48 + 5] = 0;
    BOOST_TEST(error_of([&] { inspect_secure_key(e); }).find("PKEY_EXTRACTABLE") != std::string::npos);
    e = make_ep11_token(100);
    BOOST_TEST(error_of([&] { inspect_secure_key(e); }) ==
               "secure key: field 'bitlen' is 100, expected 128, 192 or 256");
    e = make_ep11_token();
    put_u16(e, 2, 200);
    // The upper bound is the ABI's MAXEP11AESKEYBLOBSIZE (320, 336 in newer kernels).
    BOOST_TEST(error_of([&] { inspect_secure_key(e); }).starts_with(
        "secure key: field 'len' is 200, an EP11 AES key with header has 272.."));
}

BOOST_AUTO_TEST_CASE(split)
{
    const auto two = cat(make_cipher_token(256, 0x3c, 136), make_cipher_token(256, 0x3c, 140));
    const auto parts = split_secure_xts_key(two, "k");
    BOOST_TEST(parts.size() == 2u);
    BOOST_TEST(parts[0].bytes.size() == 136u);
    BOOST_TEST(parts[1].bytes.size() == 140u);
    BOOST_TEST(split_secure_xts_key(cat(make_ep11_token(), make_ep11_token()), "k").size() == 2u);
    BOOST_TEST(split_secure_xts_key(cat(make_cca_token(), make_cca_token()), "k").size() == 2u);

    BOOST_TEST(error_of([] { split_secure_xts_key(make_ep11_token(), "k"); }) ==
               "k: holds 1 secure-key token(s); an XTS key is two (K1, K2)");
    BOOST_TEST(error_of([] { split_secure_xts_key(cat(make_cca_token(), make_ep11_token()), "k"); }) ==
               "k token 2 (offset 64): is ep11, token 1 is cca-aesdata");
    BOOST_TEST(error_of([] { split_secure_xts_key(cat(make_cca_token(128), make_cca_token(256)), "k"); }) ==
               "k: K2 is a 256-bit key, K1 a 128-bit key");
    BOOST_TEST(error_of([] { split_secure_xts_key(cat(make_ep11_token(256, 1), make_ep11_token(256, 2)), "k"); })
                   .find("K2 is enciphered under another master key") != std::string::npos);
    auto trailing = cat(make_cca_token(), make_cca_token());
    trailing.push_back(0);
    BOOST_TEST(error_of([&] { split_secure_keys(trailing, "k"); }) ==
               "k token 3 (offset 128): is 1 bytes, too short for any secure-key token");
    BOOST_TEST(error_of([] { split_secure_keys({}, "k"); }) == "k: is empty");
}

BOOST_AUTO_TEST_CASE(sysfs_slots)
{
    // Each key padded to the driver's stride; the tokens say how long they are.
    auto slot = [](std::vector<std::uint8_t> t, std::size_t stride) {
        t.resize(stride, 0);
        return t;
    };
    const auto read = cat(slot(make_ep11_token(), 320), slot(make_ep11_token(), 320));
    const auto key = unpack_sysfs_secure_xts(read, SecureKeyType::ep11, "ep11_aes_256_xts");
    BOOST_TEST(key.size() == 544u);
    BOOST_TEST(split_secure_xts_key(key.span(), "k").size() == 2u);
    const auto cca = cat(make_cipher_token(), make_cipher_token());
    BOOST_TEST(unpack_sysfs_secure_xts(cca, SecureKeyType::cca_aescipher, "a").size() == 272u);
    BOOST_TEST(error_of([&] { unpack_sysfs_secure_xts(cca, SecureKeyType::ep11, "a"); }) ==
               "a: holds cca-aescipher keys, expected ep11");
    BOOST_TEST(error_of([&] { unpack_sysfs_secure_xts(std::span(cca).first(135), SecureKeyType::ep11, "a"); }) ==
               "a: read 135 bytes, expected two key slots of equal size");
    BOOST_TEST(secure_xts_attr(SecureKeyType::cca_aesdata, 256) == "ccadata/ccadata_aes_256_xts");
    BOOST_TEST(secure_xts_attr(SecureKeyType::ep11, 128) == "ep11/ep11_aes_128_xts");
}

BOOST_AUTO_TEST_CASE(sysfs_missing_attribute)
{
    const auto msg = error_of([] { read_sysfs_secure_xts(SecureKeyType::cca_aesdata, 256, "/nonexistent/pkey"); });
    BOOST_TEST(msg.find("/nonexistent/pkey/ccadata/ccadata_aes_256_xts") != std::string::npos);
    BOOST_TEST(msg.find("ephemeral") != std::string::npos);
}
