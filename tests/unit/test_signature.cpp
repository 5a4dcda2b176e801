#define BOOST_TEST_MODULE signature
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "pkeydm/error.hpp"
#include "pkeydm/device/signature.hpp"

using namespace pkeydm;

namespace {

// A 1 MiB file of zeroes, with `magic` written at `offset` and `more` at
// `more_offset` if given.
struct Image {
    std::string path;
    explicit Image(std::string_view magic = {}, std::size_t offset = 0, std::string_view more = {},
                   std::size_t more_offset = 0)
    {
        char tmpl[] = "/tmp/pdm-signature-test.XXXXXX";
        const int fd = ::mkstemp(tmpl);
        BOOST_REQUIRE(fd >= 0);
        ::close(fd);
        path = tmpl;
        std::string data(1 << 20, '\0');
        data.replace(offset, magic.size(), magic);
        data.replace(more_offset, more.size(), more);
        std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    ~Image() { ::unlink(path.c_str()); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(blank_and_swap_may_be_overwritten)
{
    const Image blank;
    BOOST_TEST(!block_signature(blank.path).has_value());
    BOOST_TEST(mkswap_may_overwrite(block_signature(blank.path)));

    // mkswap's signature: "SWAPSPACE2" at the end of the first 4 KiB page,
    // and a version 1 header (version, last page) at 1024.
    const Image swap("SWAPSPACE2", 4096 - 10, std::string_view("\x01\x00\x00\x00\xff\x00\x00\x00", 8), 1024);
    BOOST_TEST(block_signature(swap.path).value_or("none") == "swap");
    BOOST_TEST(mkswap_may_overwrite(block_signature(swap.path)));
}

BOOST_AUTO_TEST_CASE(anything_else_may_not)
{
    // A LUKS header: "LUKS\xba\xbe" and version 1 at offset 0.
    const Image luks(std::string_view("LUKS\xba\xbe\x00\x01", 8), 0);
    BOOST_TEST(block_signature(luks.path).value_or("none") == "crypto_LUKS");
    BOOST_TEST(!mkswap_may_overwrite(block_signature(luks.path)));
    BOOST_TEST(!mkswap_may_overwrite(std::string("ext4")));
    BOOST_CHECK_THROW(block_signature("/nonexistent/disk"), Error);
}
