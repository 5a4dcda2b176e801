#define BOOST_TEST_MODULE paes_table
#include <boost/test/unit_test.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/device/paes_table.hpp"

using namespace pkeydm;

namespace {

std::string error_of(std::string_view line)
{
    try {
        parse_paes_line(line);
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::config));
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(build_and_parse)
{
    PaesTable t;
    t.length = 2048;
    t.key.kind = TableKey::Kind::keyring;
    t.key.bytes = 160;
    t.key.key_type = "logon";
    t.key.description = "pdm:swap0";
    t.device = "/dev/vdb";
    t.sector_size = 4096;
    t.allow_discards = true;
    t.key_timeout_ms = 3000;
    const auto line = format_paes_line(t);
    BOOST_TEST(line == "0 2048 paes paes-xts-plain64 :160:logon:pdm:swap0 0 /dev/vdb 0 3 sector_size:4096 "
                       "allow_discards key_timeout:3000");
    const auto p = parse_paes_line(line);
    BOOST_TEST(p.length == 2048u);
    BOOST_TEST((p.key.kind == TableKey::Kind::keyring));
    BOOST_TEST(p.key.bytes == 160u);
    BOOST_TEST(p.key.description == "pdm:swap0");
    BOOST_TEST(p.sector_size == 4096u);
    BOOST_TEST(p.allow_discards);
    BOOST_TEST(!p.iv_large_sectors);
    BOOST_TEST(p.key_timeout_ms.value() == 3000u);
    BOOST_TEST(format_paes_line(p) == line);
    const auto dm = to_dm_target(t);
    BOOST_TEST(dm.type == "paes");
    BOOST_TEST(dm.params.starts_with("paes-xts-plain64 :160:logon:pdm:swap0 0 /dev/vdb 0 3"));
}

BOOST_AUTO_TEST_CASE(verification_pattern)
{
    // As the target prints it: last, with the dm-crypt workqueue flags kept.
    const std::string line = "0 8 paes paes-xts-plain64 - 0 253:0 0 3 allow_discards same_cpu_crypt "
                             "vp:00112233445566778899aabbccddeeff";
    const auto p = parse_paes_line(line);
    BOOST_TEST(p.vp == "00112233445566778899aabbccddeeff");
    BOOST_TEST(p.other_options == std::vector<std::string>{"same_cpu_crypt"});
    BOOST_TEST(format_paes_line(p) == line);
    BOOST_TEST(parse_paes_line("0 8 paes paes-xts-plain64 - 0 253:0 0 1 vp:00112233445566778899AABBCCDDEEFF").vp ==
               "00112233445566778899aabbccddeeff");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - 0 253:0 0 1 vp:0011") ==
               "paes table: vp: verification pattern '0011' is not 32 hex digits");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - 0 253:0 0 1 vp:") ==
               "paes table: vp: verification pattern '' is not 32 hex digits");
}

BOOST_AUTO_TEST_CASE(minimal_and_key_forms)
{
    auto p = parse_paes_line("0 8 paes paes-xts-plain64 - 0 253:0 0");
    BOOST_TEST((p.key.kind == TableKey::Kind::none));
    BOOST_TEST(p.device == "253:0");
    BOOST_TEST(p.sector_size == 512u);
    BOOST_TEST(format_paes_params(p) == "paes-xts-plain64 - 0 253:0 0");
    p = parse_paes_line("0 8 paes paes-xts-plain64 " + std::string(320, 'a') + " 7 /dev/x 16 1 iv_large_sectors");
    BOOST_TEST((p.key.kind == TableKey::Kind::hex));
    BOOST_TEST(p.key.bytes == 160u);
    BOOST_TEST(p.iv_offset == 7u);
    BOOST_TEST(p.offset == 16u);
    BOOST_TEST(p.iv_large_sectors);
    BOOST_CHECK_THROW(format_paes_params(p), Error);  // never prints hex
    // Descriptions may contain ':'.
    BOOST_TEST(parse_table_key(":160:logon:pdm:a:b").description == "pdm:a:b");
    // Unknown options are kept.
    p = parse_paes_line("0 8 paes paes-xts-plain64 - 0 /dev/x 0 2 no_read_workqueue sector_size:4096");
    BOOST_TEST(p.other_options.size() == 1u);
    BOOST_TEST(p.other_options[0] == "no_read_workqueue");
}

BOOST_AUTO_TEST_CASE(malformed)
{
    BOOST_TEST(error_of("0 8 crypt aes-xts-plain64 - 0 /dev/x 0") == "paes table: target type 'crypt', expected paes");
    BOOST_TEST(error_of("0 8") == "paes table: expected <start> <len> paes <params>");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - 0 /dev/x") ==
               "paes table: expected <cipher> <key> <iv_offset> <dev> <offset> [<#opt> <opt>...], got 4 fields");
    BOOST_TEST(error_of("0 8 paes aes-xts-plain64 - 0 /dev/x 0") ==
               "paes table: cipher 'aes-xts-plain64': only paes-xts-plain64 is supported");
    BOOST_TEST(error_of("x 8 paes paes-xts-plain64 - 0 /dev/x 0") ==
               "paes table: start: 'x' is not an unsigned decimal number");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - -1 /dev/x 0") ==
               "paes table: iv_offset: '-1' is not an unsigned decimal number");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - 0 /dev/x 0 2 allow_discards") ==
               "paes table: #opt is 2 but 1 options follow");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 - 0 /dev/x 0 1 sector_size:1000") ==
               "paes table: sector_size 1000: must be a power of two in 512..4096");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 :160:logon 0 /dev/x 0") ==
               "paes table: key ':160:logon': expected :<bytes>:<type>:<description>");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 :0:logon:d 0 /dev/x 0") == "paes table: key size is 0");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 :160:trusted:d 0 /dev/x 0") ==
               "paes table: key type 'trusted': expected logon or user");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 :160:logon: 0 /dev/x 0") ==
               "paes table: key description is empty");
    BOOST_TEST(error_of("0 8 paes paes-xts-plain64 abc 0 /dev/x 0") ==
               "paes table: key: odd number of hex digits (3)");
}
