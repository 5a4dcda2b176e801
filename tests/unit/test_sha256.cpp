#define BOOST_TEST_MODULE sha256
#include <boost/test/unit_test.hpp>

#include <string>

#include "pkeydm/hex.hpp"
#include "pkeydm/sha256.hpp"

using namespace pkeydm;

namespace {
std::string h(std::string_view s)
{
    return hex_encode(sha256({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}));
}
}  // namespace

// FIPS 180-4 / NIST example vectors.
BOOST_AUTO_TEST_CASE(vectors)
{
    BOOST_TEST(h("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(h("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    BOOST_TEST(h(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(incremental)
{
    const std::string s = "The quick brown fox jumps over the lazy dog, 64 bytes and a few more...";
    Sha256 a;
    for (char c : s)
        a.update({reinterpret_cast<const std::uint8_t*>(&c), 1});
    BOOST_TEST(hex_encode(a.finish()) == h(s));
}
