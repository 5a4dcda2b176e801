#define BOOST_TEST_MODULE sysfs_protkey
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pkeydm/error.hpp"
#include "pkeydm/key/ephemeral_key.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "token_fixtures.hpp"

using namespace pkeydm;

namespace {

struct Dir {
    std::string path;
    Dir()
    {
        char tmpl[] = "/tmp/pdm-sysfs-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~Dir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::vector<std::uint8_t>& b) const
    {
        std::ofstream(path + "/" + name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                                  static_cast<std::streamsize>(b.size()));
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(sizes)
{
    BOOST_TEST(protkey_attr_size("protkey_aes_128") == 80u);
    BOOST_TEST(protkey_attr_size("protkey_aes_256_xts") == 160u);
    BOOST_TEST(protkey_attr_size("protkey_aes_xts_128") == 80u);
    BOOST_TEST(protkey_attr_size("protkey_aes_xts_256") == 112u);
    BOOST_TEST(protkey_attr_size("ccadata_aes_128") == 0u);
    BOOST_TEST(xts_pair_attr(128) == "protkey_aes_128_xts");
}

BOOST_AUTO_TEST_CASE(reads)
{
    Dir d;
    d.write("protkey_aes_256_xts", make_pair());
    d.write("protkey_aes_128_xts", make_pair(3, 64));  // wrong kind is fine by size, checked as token
    auto short_pair = make_pair();
    short_pair.resize(150);
    d.write("protkey_aes_256", short_pair);
    d.write("protkey_aes_xts_256", std::vector<std::uint8_t>(112, 0));

    BOOST_TEST(read_sysfs_protkey("protkey_aes_256_xts", d.path).size() == 160u);
    try {
        read_sysfs_protkey("protkey_aes_256", d.path);
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()) == "read " + d.path + "/protkey_aes_256: got 150 bytes, expected 80");
    }
    try {
        read_sysfs_protkey("protkey_aes_xts_256", d.path);
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find("field 'version' is 0x00") != std::string::npos);
    }
    try {
        read_sysfs_protkey("protkey_aes_192", d.path);
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::not_found));
    }
    BOOST_CHECK_THROW(read_sysfs_protkey("bogus", d.path), Error);
}

BOOST_AUTO_TEST_CASE(ephemeral_forms)
{
    Dir d;
    PkeyDevice nodev("/nonexistent/pkey");  // never opened while sysfs answers
    d.write("protkey_aes_256_xts", make_pair(3, 64));
    // No full-XTS attribute (older kernel): the pair.
    BOOST_TEST(EphemeralKeyMaker(256, d.path).make(nodev).size() == 160u);
    d.write("protkey_aes_xts_256", make_prot_token(11, 96, 0x11, 0xee, 112));
    EphemeralKeyMaker best(256, d.path);
    BOOST_TEST(best.make(nodev).size() == 112u);
    BOOST_TEST(best.make(nodev).size() == 112u);  // read again through the same descriptor
    BOOST_TEST(EphemeralKeyMaker(256, d.path, TokenForm::xts_pair).make(nodev).size() == 160u);
    BOOST_TEST(EphemeralKeyMaker(256, d.path, TokenForm::full_xts).make(nodev).size() == 112u);
    // The full-XTS attribute failing (no MSA 10): the pair, unless the form is fixed.
    d.write("protkey_aes_xts_256", std::vector<std::uint8_t>(3, 0));
    BOOST_TEST(EphemeralKeyMaker(256, d.path).make(nodev).size() == 160u);
    BOOST_CHECK_THROW(EphemeralKeyMaker(256, d.path, TokenForm::full_xts).make(nodev), Error);
    std::filesystem::remove(d.path + "/protkey_aes_xts_256");
    BOOST_CHECK_THROW(EphemeralKeyMaker(256, d.path, TokenForm::full_xts), Error);
    BOOST_TEST(token_form_name(TokenForm::full_xts) == "full-xts");
    BOOST_TEST(token_form_name(TokenForm::xts_pair) == "two-key");
}
