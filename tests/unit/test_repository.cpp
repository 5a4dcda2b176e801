#define BOOST_TEST_MODULE repository
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/repository.hpp"
#include "token_fixtures.hpp"

using namespace pkeydm;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir()
    {
        char tmpl[] = "/tmp/pdm-repo-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::vector<std::uint8_t> xts_skey(std::uint16_t bits = 256, std::uint8_t mkvp2 = 0x5a)
{
    auto a = make_cca_token(bits, 0x5a, 0x01);
    auto b = make_cca_token(bits, mkvp2, 0x02);
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::string error_of_store(Repository& repo, const std::vector<std::uint8_t>& skey, KeyType t)
{
    try {
        repo.store("x", skey, t, true);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(store_load_list_remove)
{
    TempDir d;
    Repository repo((d.path / "keys").string());
    const auto skey = xts_skey();
    const auto info = repo.store("data", skey, KeyType::aes_xts_256, false);
    BOOST_TEST(info.mkvp == "5a5b5c5d5e5f6061");
    // Known only once the target has seen the key (pdm create).
    BOOST_TEST(info.verification_pattern.empty());

    struct stat st;
    BOOST_TEST(::stat((d.path / "keys/data.skey").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    BOOST_TEST(::stat((d.path / "keys").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);

    const auto k = repo.load("data");
    BOOST_TEST(k.trusted);
    BOOST_TEST(k.skey.size() == 128u);
    BOOST_TEST((k.info.keytype == KeyType::aes_xts_256));
    BOOST_TEST(repo.list() == std::vector<std::string>{"data"});

    BOOST_CHECK_THROW(repo.store("data", skey, KeyType::aes_xts_256, false), Error);
    repo.store("data", skey, KeyType::aes_xts_256, true);

    repo.remove("data");
    BOOST_TEST(repo.list().empty());
    try {
        repo.load("data");
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::not_found));
    }
}

BOOST_AUTO_TEST_CASE(info_not_matching_key_is_untrusted)
{
    TempDir d;
    Repository repo(d.path.string());
    repo.store("a", xts_skey(), KeyType::aes_xts_256, false);
    repo.store("b", xts_skey(), KeyType::aes_xts_256, false);
    // Another key's bytes under a's .info, enciphered under another master
    // key: the MKVP tells.  (Another key under the same master key is what
    // the target's vp: refuses, once the .info has the pattern.)
    auto other = make_cca_token(256, 0x60, 0x09);
    auto other2 = make_cca_token(256, 0x60, 0x02);
    other.insert(other.end(), other2.begin(), other2.end());
    write_file_atomic((d.path / "a.skey").string(), other, 0600);
    auto k = repo.load("a");
    BOOST_TEST(!k.trusted);
    BOOST_TEST(k.untrusted_reason.find("MKVP in") != std::string::npos);
    try {
        repo.load_trusted("a");
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::verify));
    }
    // .info of another name.
    fs::copy_file(d.path / "b.info", d.path / "a.info", fs::copy_options::overwrite_existing);
    k = repo.load("a");
    BOOST_TEST(!k.trusted);
    BOOST_TEST(k.untrusted_reason.find("names key 'b'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(blob_checks)
{
    auto msg = [](std::span<const std::uint8_t> b, KeyType t) {
        try {
            check_secure_key_blob(b, t, "k");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(msg(xts_skey(), KeyType::aes_xts_256) == "no error");
    BOOST_TEST(msg(make_cca_token(256), KeyType::aes_256) == "no error");
    BOOST_TEST(msg(make_cca_token(256), KeyType::aes_xts_256) == "k: 1 secure-key token(s) (64 bytes), a AES_XTS_256 secure key has 2");
    BOOST_TEST(msg(xts_skey(128), KeyType::aes_xts_256) == "k K1: a 128-bit key, AES_XTS_256 needs 256");
    BOOST_TEST(msg(xts_skey(256, 0x60), KeyType::aes_xts_256) ==
               "k K2: MKVP differs from K1 (enciphered under another master key)");
}

BOOST_AUTO_TEST_CASE(info_format)
{
    KeyInfo i;
    i.name = "x";
    i.keytype = KeyType::aes_xts_128;
    i.created = "2026-11-25T00:00:00Z";
    i.mkvp = "0011223344556677";
    i.verification_pattern = std::string(32, 'a');
    const auto p = parse_key_info(format_key_info(i), "x.info");
    BOOST_TEST(p.name == "x");
    BOOST_TEST((p.keytype == KeyType::aes_xts_128));
    BOOST_TEST(p.mkvp == i.mkvp);
    BOOST_TEST(p.verification_pattern == i.verification_pattern);
    // Capitals are read as lower case, the form the target prints.
    BOOST_TEST(parse_key_info("name=x\nkeytype=AES_256\nverification-pattern=" + std::string(32, 'B') + "\n",
                              "x.info")
                   .verification_pattern == std::string(32, 'b'));
    // The SHA-256 of the .skey older versions wrote: read as no pattern.
    BOOST_TEST(parse_key_info("name=x\nkeytype=AES_256\nverification-pattern=" + std::string(64, 'a') + "\n",
                              "x.info")
                   .verification_pattern.empty());
    // None yet: the line is left out and parses back.
    i.verification_pattern.clear();
    BOOST_TEST(format_key_info(i).find("verification-pattern") == std::string::npos);
    BOOST_TEST(parse_key_info(format_key_info(i), "x.info").verification_pattern.empty());
    // Without an mkvp (a hand-written .info may lack it) the formatted text
    // still parses back (found by fuzz.repository_info).
    i.mkvp.clear();
    BOOST_TEST(parse_key_info(format_key_info(i), "x.info").mkvp.empty());
    auto msg = [](std::string_view t) {
        try {
            parse_key_info(t, "x.info");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(msg("name=x\nkeytype=AES_999\n") == "x.info:2: keytype 'AES_999' unknown");
    BOOST_TEST(msg("name=x\nkeytype=AES_256\n") == "no error");
    BOOST_TEST(msg("name=x\nkeytype=AES_256\nverification-pattern=abc\n") ==
               "x.info:3: verification-pattern must be 32 hex digits (the dm-paes verification pattern of the key)");
    BOOST_TEST(msg("name=x\nbogus\n") == "x.info:2: expected field=value");
    BOOST_TEST(msg("name=x\nmkvp=12\n") == "x.info:2: mkvp must be 16 (CCA) or 32 (EP11) hex digits");
    BOOST_TEST(msg("keytype=AES_256\n") == "x.info: field 'name' missing");
}

BOOST_AUTO_TEST_CASE(record_verification_pattern)
{
    TempDir d;
    Repository repo(d.path.string());
    repo.store("a", xts_skey(), KeyType::aes_xts_256, false);
    const std::string vp = "00112233445566778899AABBCCDDEEFF";
    BOOST_TEST(repo.record_verification_pattern("a", vp));
    const auto k = repo.load("a");
    BOOST_TEST(k.trusted);
    BOOST_TEST(k.info.verification_pattern == "00112233445566778899aabbccddeeff");
    // Recorded once: a later create never overwrites it.
    BOOST_TEST(!repo.record_verification_pattern("a", std::string(32, 'f')));
    BOOST_TEST(repo.load("a").info.verification_pattern == "00112233445566778899aabbccddeeff");
    BOOST_CHECK_THROW(repo.record_verification_pattern("a", "xyz"), Error);

    // An .info of an older version, with the SHA-256 of the .skey: trusted,
    // no pattern, and the first create's pattern replaces the old line.
    repo.store("old", xts_skey(), KeyType::aes_xts_256, false);
    const auto ipath = (d.path / "old.info").string();
    write_file_atomic(ipath, read_text_file(ipath, 4096) + "verification-pattern=" + std::string(64, 'c') + "\n",
                      0600);
    BOOST_TEST(repo.load("old").trusted);
    BOOST_TEST(repo.load("old").info.verification_pattern.empty());
    BOOST_TEST(repo.record_verification_pattern("old", vp));
    BOOST_TEST(read_text_file(ipath, 4096).find(std::string(64, 'c')) == std::string::npos);
    BOOST_TEST(repo.load("old").info.verification_pattern == "00112233445566778899aabbccddeeff");
}

BOOST_AUTO_TEST_CASE(bad_names)
{
    TempDir d;
    Repository repo(d.path.string());
    BOOST_CHECK_THROW(repo.store("../evil", xts_skey(), KeyType::aes_xts_256, false), Error);
    BOOST_CHECK_THROW(repo.load("a/b"), Error);
}

BOOST_AUTO_TEST_CASE(default_dir_env)
{
    ::setenv("PDM_KEY_REPOSITORY", "/tmp/elsewhere", 1);
    BOOST_TEST(Repository::default_dir() == "/tmp/elsewhere");
    ::unsetenv("PDM_KEY_REPOSITORY");
    BOOST_TEST(Repository::default_dir() == "/etc/pdm/keys");
}

BOOST_AUTO_TEST_CASE(three_secure_key_types)
{
    TempDir d;
    Repository repo((d.path / "keys").string());
    const auto cipher = cat(make_cipher_token(256, 0x3c, 136), make_cipher_token(256, 0x3c, 136));
    const auto ep11 = cat(make_ep11_token(128, 0xa0), make_ep11_token(128, 0xa0));
    auto i = repo.store("ci", cipher, KeyType::aes_xts_256, false);
    BOOST_TEST((i.secure_key_type == SecureKeyType::cca_aescipher));
    BOOST_TEST(i.mkvp == "3c3d3e3f40414243");
    i = repo.store("ep", ep11, KeyType::aes_xts_128, false);
    BOOST_TEST((i.secure_key_type == SecureKeyType::ep11));
    BOOST_TEST(i.mkvp == "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    repo.store("da", xts_skey(), KeyType::aes_xts_256, false);

    auto k = repo.load("ci");
    BOOST_TEST(k.trusted);
    BOOST_TEST(k.skey.size() == 272u);
    BOOST_TEST((k.info.secure_key_type == SecureKeyType::cca_aescipher));
    k = repo.load("ep");
    BOOST_TEST(k.trusted);
    BOOST_TEST(k.skey.size() == 544u);
    BOOST_TEST(k.info.mkvp.size() == 32u);
    k = repo.load("da");
    BOOST_TEST((k.info.secure_key_type == SecureKeyType::cca_aesdata));

    // An .info of older versions has no secure-key-type: cca-aesdata.
    std::ofstream((d.path / "keys/da.info").string(), std::ios::trunc)
        << "name=da\nkeytype=AES_XTS_256\nmkvp=5a5b5c5d5e5f6061\n";
    ::chmod((d.path / "keys/da.info").c_str(), 0600);
    BOOST_TEST(repo.load("da").trusted);
    // An .info that names another type than the .skey holds: untrusted.
    std::ofstream((d.path / "keys/ci.info").string(), std::ios::trunc)
        << "name=ci\nkeytype=AES_XTS_256\nsecure-key-type=ep11\n";
    ::chmod((d.path / "keys/ci.info").c_str(), 0600);
    k = repo.load("ci");
    BOOST_TEST(!k.trusted);
    BOOST_TEST(k.untrusted_reason.find("holds a cca-aescipher key") != std::string::npos);
    // Bits from the tokens must match the keytype.
    BOOST_TEST(error_of_store(repo, ep11, KeyType::aes_xts_256) == "secure key 'x' K1: a 128-bit key, AES_XTS_256 needs 256");
    BOOST_TEST(error_of_store(repo, cat(make_ep11_token(), make_cipher_token()), KeyType::aes_xts_256) ==
               "secure key 'x' token 2 (offset 272): is cca-aescipher, token 1 is ep11");
}

BOOST_AUTO_TEST_CASE(info_secure_key_type)
{
    KeyInfo i;
    i.name = "e";
    i.keytype = KeyType::aes_xts_256;
    i.secure_key_type = SecureKeyType::ep11;
    i.mkvp = "000102030405060708090a0b0c0d0e0f";
    const auto p = parse_key_info(format_key_info(i), "e.info");
    BOOST_TEST((p.secure_key_type == SecureKeyType::ep11));
    BOOST_TEST(p.mkvp == i.mkvp);
    try {
        parse_key_info("name=x\nkeytype=AES_256\nsecure-key-type=cca\n", "x.info");
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()) == "x.info:3: secure-key-type 'cca' unknown (cca-aesdata, cca-aescipher, ep11)");
    }
}
