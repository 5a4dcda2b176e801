#define BOOST_TEST_MODULE hex
#include <boost/test/unit_test.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/hex.hpp"

using namespace pkeydm;

BOOST_AUTO_TEST_CASE(roundtrip)
{
    const std::vector<std::uint8_t> b{0x00, 0x01, 0xab, 0xff};
    BOOST_TEST(hex_encode(b) == "0001abff");
    BOOST_TEST(hex_decode("0001ABff", "x") == b);
    const auto s = hex_encode_secure(b);
    BOOST_TEST(std::string(s.view()) == "0001abff");
    BOOST_TEST(std::string(s.c_str()) == "0001abff");
    const auto d = hex_decode_secure("0001abff\n", "x");
    BOOST_TEST(std::vector<std::uint8_t>(d.data(), d.data() + d.size()) == b);
}

BOOST_AUTO_TEST_CASE(malformed)
{
    auto msg = [](std::string_view in) {
        try {
            hex_decode(in, "token");
        } catch (const Error& e) {
            BOOST_TEST((e.code() == Errc::config));
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(msg("") == "token: empty hex string");
    BOOST_TEST(msg("abc") == "token: odd number of hex digits (3)");
    BOOST_TEST(msg("ab g0") == "token: character 3 is not a hex digit");
    BOOST_TEST(msg("zz") == "token: character 1 is not a hex digit");
    BOOST_TEST(msg(" ab") == "token: character 1 is not a hex digit");
    BOOST_CHECK_THROW(hex_decode_secure("0x12", "k"), Error);
}

BOOST_AUTO_TEST_CASE(is_hex_checks)
{
    BOOST_TEST(is_hex("00ff"));
    BOOST_TEST(!is_hex("0"));
    BOOST_TEST(!is_hex(""));
    BOOST_TEST(!is_hex("0g"));
}
