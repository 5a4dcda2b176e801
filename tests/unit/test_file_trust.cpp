#define BOOST_TEST_MODULE file_trust
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/log_sink.hpp"
#include "pkeydm/config/pdmtab.hpp"

using namespace pkeydm;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> warnings;

void capture(int priority, std::string_view message) noexcept
{
    if (priority == LOG_WARNING)
        warnings.emplace_back(message);
}

struct Fixture {
    fs::path dir = fs::temp_directory_path() / ("pdm-unit-trust-" + std::to_string(::getpid()));
    Fixture()
    {
        fs::remove_all(dir);
        fs::create_directory(dir);
        warnings.clear();
        set_log_sink(capture);
    }
    ~Fixture()
    {
        set_log_sink(nullptr);
        fs::remove_all(dir);
    }
    std::string file(const std::string& name, mode_t mode, const std::string& text = std::string(64, 'k'))
    {
        const auto p = (dir / name).string();
        std::ofstream(p) << text;
        ::chmod(p.c_str(), mode);
        return p;
    }
};

Errc code_of(const std::string& path, FileTrust t)
{
    try {
        read_trusted_file(path, 4096, t, Errc::keysource);
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::internal;  // no error
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(private_key_file_is_read_quietly, Fixture)
{
    BOOST_TEST(read_trusted_file(file("k", 0600), 4096, FileTrust::secret, Errc::keysource).size() == 64u);
    BOOST_TEST(warnings.empty());
}

BOOST_FIXTURE_TEST_CASE(readable_key_file_is_read_with_a_warning, Fixture)
{
    for (mode_t m : {0644, 0640, 0604}) {
        warnings.clear();
        const auto p = file("k" + std::to_string(m), m);
        BOOST_TEST(read_trusted_file(p, 4096, FileTrust::secret, Errc::keysource).size() == 64u);
        BOOST_TEST_REQUIRE(warnings.size() == 1u);
        BOOST_TEST(warnings[0].find(p) != std::string::npos);
        BOOST_TEST(warnings[0].find("chmod 0600") != std::string::npos);
    }
    // Not a secret: readable is fine.
    warnings.clear();
    read_trusted_file(file("tab", 0644), 4096, FileTrust::config, Errc::config);
    BOOST_TEST(warnings.empty());
}

BOOST_FIXTURE_TEST_CASE(writable_by_group_or_others_is_refused, Fixture)
{
    BOOST_TEST((code_of(file("g", 0620), FileTrust::secret) == Errc::keysource));
    BOOST_TEST((code_of(file("o", 0602), FileTrust::secret) == Errc::keysource));
    BOOST_TEST((code_of(file("t", 0666), FileTrust::config) == Errc::keysource));
    ::chmod(dir.c_str(), 0777);
    BOOST_CHECK_THROW(check_dir_trust(dir.string(), Errc::keysource), Error);
    ::chmod(dir.c_str(), 0700);
    check_dir_trust(dir.string(), Errc::keysource);
}

BOOST_FIXTURE_TEST_CASE(owned_by_someone_else_is_refused, Fixture)
{
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: needs root to give a file away");
        return;
    }
    const auto p = file("theirs", 0600);
    BOOST_TEST_REQUIRE(::chown(p.c_str(), 4242, 4242) == 0);
    BOOST_CHECK_EXCEPTION(read_trusted_file(p, 4096, FileTrust::secret, Errc::keysource), Error, [&](const Error& e) {
        return e.code() == Errc::keysource && std::string(e.what()).find("owned by uid 4242") != std::string::npos;
    });
}

BOOST_FIXTURE_TEST_CASE(pdmtab_writable_by_others_is_a_config_error, Fixture)
{
    const auto p = file("pdmtab", 0666, "swap0 /dev/vdb ephemeral swap\n");
    BOOST_CHECK_EXCEPTION(load_pdmtab(p), Error, [](const Error& e) { return e.code() == Errc::config; });
    ::chmod(p.c_str(), 0644);
    BOOST_TEST(load_pdmtab(p).size() == 1u);
}

// The reader takes memory by the file's size, grows for files whose size
// says nothing (/proc), and still refuses one byte over the limit.
BOOST_FIXTURE_TEST_CASE(reads_by_size_and_refuses_one_byte_over, Fixture)
{
    const auto exact = file("exact", 0600, std::string(4096, 'x'));
    BOOST_TEST(read_trusted_file(exact, 4096, FileTrust::secret, Errc::keysource).view() == std::string(4096, 'x'));
    const auto over = file("over", 0600, std::string(4097, 'x'));
    BOOST_CHECK_EXCEPTION(read_trusted_file(over, 4096, FileTrust::secret, Errc::keysource), Error,
                          [](const Error& e) { return e.code() == Errc::config; });
    const auto small = file("small", 0600, "abc");
    BOOST_TEST(read_trusted_file(small, 1 << 20, FileTrust::secret, Errc::keysource).view() == "abc");
    const auto empty = file("empty", 0600, "");
    BOOST_TEST(read_trusted_file(empty, 4096, FileTrust::secret, Errc::keysource).empty());

    // st_size 0, content longer than a page: read whole by growing
    std::ifstream in("/proc/self/maps");
    const std::string maps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto got = read_file_secure("/proc/self/maps", 1 << 20);
    BOOST_TEST(got.size() > 4096u);
    BOOST_TEST(got.view().substr(0, 64) == maps.substr(0, 64));
    BOOST_CHECK_EXCEPTION(read_file_secure("/proc/self/maps", 100), Error,
                          [](const Error& e) { return e.code() == Errc::config; });
}
