#define BOOST_TEST_MODULE sysfs_protkey
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pkeydm/error.hpp"
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
