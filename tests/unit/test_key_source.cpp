#define BOOST_TEST_MODULE key_source
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "token_fixtures.hpp"

using namespace pkeydm;
namespace fs = std::filesystem;

namespace {

struct FakeSysfs {
    fs::path path;
    FakeSysfs()
    {
        char tmpl[] = "/tmp/pdm-seckey-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~FakeSysfs() { fs::remove_all(path); }
    void write(const std::string& rel, const std::vector<std::uint8_t>& b) const
    {
        fs::create_directories((path / rel).parent_path());
        std::ofstream(path / rel, std::ios::binary)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
};

KeyContext context(const FakeSysfs& s)
{
    KeyContext c;
    c.seckey_dir = s.path.string();
    c.pkey_device = "/nonexistent/pkey";
    return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_secure_reads_a_new_key)
{
    FakeSysfs s;
    auto padded = make_ep11_token(256);
    padded.resize(320, 0);
    s.write("ep11/ep11_aes_256_xts", cat(padded, padded));
    s.write("ccadata/ccadata_aes_128_xts", cat(make_cca_token(128), make_cca_token(128)));
    const auto k = new_key_source({KeySourceKind::random_secure, "ep11"}, 256, context(s));
    BOOST_TEST(k.material.size() == 544u);
    BOOST_TEST(new_key_source({KeySourceKind::random_secure, "cca-aesdata"}, 128, context(s)).material.size() == 128u);
    // The size the device needs, from the tokens.
    s.write("ccadata/ccadata_aes_256_xts", cat(make_cca_token(128), make_cca_token(128)));
    BOOST_CHECK_THROW(new_key_source({KeySourceKind::random_secure, "cca-aesdata"}, 256, context(s)), Error);
}

BOOST_AUTO_TEST_CASE(random_secure_without_card)
{
    FakeSysfs s;
    try {
        new_key_source({KeySourceKind::random_secure, "cca-aescipher"}, 256, context(s));
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::keysource));
        const std::string m = e.what();
        BOOST_TEST(m.find("ccacipher/ccacipher_aes_256_xts") != std::string::npos);
        BOOST_TEST(m.find("keysource 'ephemeral'") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(random_secure_exists_only_in_the_record)
{
    FakeSysfs s;
    try {
        load_key_source({KeySourceKind::random_secure, "cca-aesdata"}, 256, context(s));
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::not_found));
        BOOST_TEST(std::string(e.what()).find("cannot be derived again") != std::string::npos);
    }
    BOOST_TEST(rederivable(KeySourceKind::random_secure));
    BOOST_TEST(!rederivable(KeySourceKind::ephemeral));
}

BOOST_AUTO_TEST_CASE(master_key_state_only_for_secure_keys)
{
    PkeyDevice dev("/nonexistent/pkey");  // not opened for these
    LoadedKeySource e;
    e.source = {KeySourceKind::ephemeral, {}};
    BOOST_TEST(!master_key_state(e, dev).has_value());
    LoadedKeySource c;
    c.source = {KeySourceKind::clear, "/k"};
    BOOST_TEST(!master_key_state(c, dev).has_value());
    LoadedKeySource r;
    r.source = {KeySourceKind::random_secure, "cca-aesdata"};
    BOOST_CHECK_THROW(master_key_state(r, dev), Error);  // nothing loaded
}
