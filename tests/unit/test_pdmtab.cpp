#define BOOST_TEST_MODULE pdmtab
#include <boost/test/unit_test.hpp>

#include <sys/swap.h>

#include "pkeydm/error.hpp"
#include "pkeydm/config/pdmtab.hpp"
#include "pkeydm/device/swap.hpp"

using namespace pkeydm;

namespace {

std::string error_of(std::string_view text)
{
    try {
        parse_pdmtab(text, "pdmtab");
    } catch (const Error& e) {
        BOOST_TEST((e.code() == Errc::config));
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_line_swap)
{
    const auto t = parse_pdmtab("swap0 /dev/vdb ephemeral swap\n", "pdmtab");
    BOOST_TEST(t.size() == 1u);
    BOOST_TEST(t[0].name == "swap0");
    BOOST_TEST(t[0].device == "/dev/vdb");
    BOOST_TEST((t[0].source.kind == KeySourceKind::ephemeral));
    BOOST_TEST(t[0].options.swap);
    BOOST_TEST(t[0].options.sector_size == 4096u);
    BOOST_TEST(t[0].options.xts_bits == 256u);
    BOOST_TEST((t[0].options.on_key_loss == OnKeyLoss::replace));
    BOOST_TEST(t[0].line == 1u);
}

BOOST_AUTO_TEST_CASE(full_file)
{
    const auto t = parse_pdmtab("# comment\n"
                                "\n"
                                "  swap0\t/dev/vdb   ephemeral  swap,on-key-loss=error,pri=10  # trailing\n"
                                "data UUID=1234-abcd secure:datakey sector-size=512,discard,key-timeout=5000\n"
                                "t PARTUUID=0a1b clear:/etc/pdm/t.key xts-128,iv-large-sectors\n"
                                "n LABEL=x ephemeral -\n"
                                "m /dev/vdc ephemeral\n",
                                "pdmtab");
    BOOST_TEST(t.size() == 5u);
    BOOST_TEST((t[0].options.on_key_loss == OnKeyLoss::error));
    BOOST_TEST(t[0].line == 3u);
    BOOST_TEST(t[0].options.swap_priority.value() == 10);
    BOOST_TEST(!t[1].options.swap_priority.has_value());
    BOOST_TEST((t[1].source.kind == KeySourceKind::secure));
    BOOST_TEST(t[1].source.arg == "datakey");
    BOOST_TEST(t[1].options.sector_size == 512u);
    BOOST_TEST(t[1].options.discard);
    BOOST_TEST(t[1].options.key_timeout_ms.value() == 5000u);
    BOOST_TEST((t[2].source.kind == KeySourceKind::clear));
    BOOST_TEST(t[2].source.arg == "/etc/pdm/t.key");
    BOOST_TEST(t[2].options.xts_bits == 128u);
    BOOST_TEST(t[2].options.iv_large_sectors);
    BOOST_TEST(!t[3].options.swap);
    BOOST_TEST(find_pdmtab_entry(t, "data").has_value());
    BOOST_TEST(!find_pdmtab_entry(t, "nope").has_value());
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_field)
{
    BOOST_TEST(error_of("swap0 /dev/vdb\n") == "pdmtab:1: expected 'name device keysource [options]', got 2 field(s)");
    BOOST_TEST(error_of("\nswap/0 /dev/vdb ephemeral\n") ==
               "pdmtab:2: name: name 'swap/0': use 1..64 of A-Z a-z 0-9 _ . + -");
    BOOST_TEST(error_of("s vdb ephemeral\n") ==
               "pdmtab:1: device: 'vdb': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    BOOST_TEST(error_of("s UUID= ephemeral\n") ==
               "pdmtab:1: device: 'UUID=': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    BOOST_TEST(error_of("s PARTLABEL= ephemeral\n") ==
               "pdmtab:1: device: 'PARTLABEL=': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    BOOST_TEST(error_of("s DEVNAME=/dev/vdb ephemeral\n").find("expected /path") != std::string::npos);
    BOOST_TEST(error_of("s /dev/vdb random\n") ==
               "pdmtab:1: keysource: 'random': expected ephemeral, secure:<key name>, clear:<key file> or "
               "random-secure[:<type>]");
    BOOST_TEST(error_of("s /dev/vdb secure:\n") ==
               "pdmtab:1: keysource: repository key name '': use 1..64 of A-Z a-z 0-9 _ . + -");
    BOOST_TEST(error_of("s /dev/vdb clear:key.bin\n") ==
               "pdmtab:1: keysource: clear key file 'key.bin' must be an absolute path");
    BOOST_TEST(error_of("s /dev/vdb ephemeral swap,bogus\n") == "pdmtab:1: options: unknown option 'bogus'");
    BOOST_TEST(error_of("s /dev/vdb ephemeral swap,,discard\n") ==
               "pdmtab:1: options: empty option in 'swap,,discard'");
    BOOST_TEST(error_of("s /dev/vdb ephemeral sector-size=1000\n") ==
               "pdmtab:1: options: option sector-size=1000: expected 512, 1024, 2048 or 4096");
    BOOST_TEST(error_of("s /dev/vdb ephemeral sector-size=abc\n") ==
               "pdmtab:1: options: option sector-size: 'abc' is not a number");
    BOOST_TEST(error_of("s /dev/vdb ephemeral key-timeout=99999999999\n") ==
               "pdmtab:1: options: option key-timeout=99999999999: too large: at most 3600000 ms (1 hour); 0 "
               "waits forever");
    BOOST_TEST(error_of("s /dev/vdb ephemeral key-timeout=4294967295\n").find("too large") != std::string::npos);
    BOOST_TEST(error_of("s /dev/vdb ephemeral key-timeout=-1\n") ==
               "pdmtab:1: options: option key-timeout: '-1' is not a number");
    BOOST_TEST(error_of("s /dev/vdb ephemeral pri=32768\n") ==
               "pdmtab:1: options: option pri=32768: swap priority 0..32767");
    BOOST_TEST(error_of("s /dev/vdb ephemeral pri=-1\n") == "pdmtab:1: options: option pri: '-1' is not a number");
    BOOST_TEST(error_of("s /dev/vdb ephemeral on-key-loss=panic\n") ==
               "pdmtab:1: options: option on-key-loss=panic: expected replace or error");
    BOOST_TEST(error_of("s /dev/vdb ephemeral swap=1\n") == "pdmtab:1: options: option swap takes no value");
    BOOST_TEST(error_of("s /dev/vdb ephemeral swap discard\n") ==
               "pdmtab:1: options: unexpected fifth field 'discard' (options are one comma-separated field)");
    BOOST_TEST(error_of("s /dev/vdb ephemeral\ns /dev/vdc ephemeral\n") ==
               "pdmtab:2: name: 's' already defined at line 1");
}

BOOST_AUTO_TEST_CASE(key_source_roundtrip)
{
    for (std::string s : {"ephemeral", "secure:k1", "clear:/a/b", "random-secure:cca-aesdata",
                          "random-secure:cca-aescipher", "random-secure:ep11"})
        BOOST_TEST(format_key_source(parse_key_source(s, "x")) == s);
}

BOOST_AUTO_TEST_CASE(random_secure_forms)
{
    const auto d = parse_key_source("random-secure", "x");
    BOOST_TEST((d.kind == KeySourceKind::random_secure));
    BOOST_TEST(d.arg == "cca-aesdata");
    BOOST_TEST(key_source_kind_name(d.kind) == "random-secure");
    const auto e = parse_key_source("random-secure:ep11", "x");
    BOOST_TEST((e.kind == KeySourceKind::random_secure));
    BOOST_TEST(e.arg == "ep11");
    const auto tab = parse_pdmtab("sw /dev/vdb random-secure:cca-aescipher swap\n", "pdmtab");
    BOOST_TEST((tab.at(0).source.kind == KeySourceKind::random_secure));
    BOOST_TEST(tab.at(0).source.arg == "cca-aescipher");
    BOOST_TEST(error_of("s /dev/vdb random-secure:foo\n") ==
               "pdmtab:1: keysource: random secure key type 'foo': expected cca-aesdata, cca-aescipher or ep11");
    BOOST_TEST(error_of("s /dev/vdb random-secure:\n") ==
               "pdmtab:1: keysource: random secure key type '': expected cca-aesdata, cca-aescipher or ep11");
    BOOST_TEST(error_of("s /dev/vdb random-secure:CCA-AESDATA\n") ==
               "pdmtab:1: keysource: random secure key type 'CCA-AESDATA': expected cca-aesdata, cca-aescipher or ep11");
    BOOST_TEST(error_of("s /dev/vdb randomsecure\n").find("expected ephemeral") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_file_is_empty)
{
    BOOST_TEST(load_pdmtab("/nonexistent/pdmtab").empty());
}

BOOST_AUTO_TEST_CASE(resolve_paths)
{
    BOOST_TEST(resolve_device("/dev/null") == "/dev/null");
    BOOST_CHECK_THROW(resolve_device("UUID=does-not-exist-42"), Error);
    BOOST_CHECK_THROW(resolve_device("vdb"), Error);
    // A value is looked up, never pasted into /dev/disk/by-*/: no escape.
    for (const char* escape : {"UUID=../../null", "LABEL=../../../dev/null", "PARTUUID=../../null",
                               "PARTLABEL=../../null"})
        BOOST_CHECK_EXCEPTION(resolve_device(escape), Error, [](const Error& e) { return e.code() == Errc::not_found; });
}

BOOST_AUTO_TEST_CASE(swapon_flags)
{
    BOOST_TEST(swap_flags({}) == 0);
    BOOST_TEST(swap_flags({true, std::nullopt}) == SWAP_FLAG_DISCARD);
    BOOST_TEST(swap_flags({false, 0}) == SWAP_FLAG_PREFER);
    BOOST_TEST(swap_flags({true, 32767}) == (SWAP_FLAG_DISCARD | SWAP_FLAG_PREFER | 32767));
    BOOST_CHECK_THROW(swap_flags({false, 32768}), Error);
    BOOST_CHECK_THROW(swap_flags({false, -1}), Error);
}

BOOST_AUTO_TEST_CASE(boot_options)
{
    const auto t = parse_pdmtab("a /dev/vda ephemeral swap,nofail\n"
                                "b /dev/vdb ephemeral noauto,x-systemd.device-timeout=30\n"
                                "c /dev/vdc ephemeral x-systemd.device-timeout=1min30s,x-systemd.after=foo.service\n"
                                "d /dev/vdd ephemeral x-systemd.device-timeout=infinity\n"
                                "e /dev/vde ephemeral x-systemd.device-timeout=250ms\n",
                                "pdmtab");
    BOOST_TEST(t.size() == 5u);
    BOOST_TEST(t[0].options.nofail);
    BOOST_TEST(!t[0].options.noauto);
    BOOST_TEST(!t[0].options.device_timeout_ms.has_value());
    BOOST_TEST(t[1].options.noauto);
    BOOST_TEST(!t[1].options.nofail);
    BOOST_TEST(t[1].options.device_timeout_ms.value() == 30000u);
    BOOST_TEST(t[2].options.device_timeout_ms.value() == 90000u);
    BOOST_TEST(t[2].options.ignored.size() == 1u);
    BOOST_TEST(t[2].options.ignored.at(0) == "x-systemd.after=foo.service");
    BOOST_TEST(t[3].options.device_timeout_ms.value() == 0u);
    BOOST_TEST(t[4].options.device_timeout_ms.value() == 250u);
}

BOOST_AUTO_TEST_CASE(time_spans)
{
    BOOST_TEST(parse_time_span_ms("0", "x") == 0u);
    BOOST_TEST(parse_time_span_ms("90", "x") == 90000u);
    BOOST_TEST(parse_time_span_ms("2min", "x") == 120000u);
    BOOST_TEST(parse_time_span_ms("1h5m", "x") == 3900000u);
    BOOST_TEST(parse_time_span_ms("infinity", "x") == 0u);
    BOOST_CHECK_THROW(parse_time_span_ms("", "x"), Error);
    BOOST_CHECK_THROW(parse_time_span_ms("s", "x"), Error);
    BOOST_CHECK_THROW(parse_time_span_ms("-5", "x"), Error);
    BOOST_CHECK_THROW(parse_time_span_ms("9999999999999", "x"), Error);
    BOOST_CHECK_THROW(parse_time_span_ms("400days", "x"), Error);
    BOOST_CHECK_THROW(parse_time_span_ms("9000h", "x"), Error);
}

BOOST_AUTO_TEST_CASE(boot_option_errors)
{
    BOOST_TEST(error_of("s /dev/vdb ephemeral nofail=yes\n") == "pdmtab:1: options: option nofail takes no value");
    BOOST_TEST(error_of("s /dev/vdb ephemeral noauto=1\n") == "pdmtab:1: options: option noauto takes no value");
    BOOST_TEST(error_of("s /dev/vdb ephemeral x-systemd.device-timeout=5y\n") ==
               "pdmtab:1: options: option x-systemd.device-timeout: time span '5y': unknown unit 'y' (use ms, s, "
               "min or h)");
    BOOST_TEST(error_of("s /dev/vdb ephemeral x-systemd.device-timeout=\n") ==
               "pdmtab:1: options: option x-systemd.device-timeout: empty time span");
    // Only systemd's own namespace is let through unknown.
    BOOST_TEST(error_of("s /dev/vdb ephemeral x-foo.bar\n") == "pdmtab:1: options: unknown option 'x-foo.bar'");
}

BOOST_AUTO_TEST_CASE(bad_lines_skipped_one_by_one)
{
    const auto p = parse_pdmtab_lines("a /dev/vda ephemeral swap\n"
                                      "b vdb ephemeral\n"
                                      "c /dev/vdc ephemeral bogus\n"
                                      "a /dev/vdd ephemeral\n"
                                      "d /dev/vdd secure:k\n",
                                      "/etc/pdm/pdmtab");
    BOOST_TEST(p.entries.size() == 2u);
    BOOST_TEST(p.entries.at(0).name == "a");
    BOOST_TEST(p.entries.at(1).name == "d");
    BOOST_TEST(p.errors.size() == 3u);
    BOOST_TEST(p.errors.at(0) ==
               "/etc/pdm/pdmtab:2: device: 'vdb': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    BOOST_TEST(p.errors.at(1) == "/etc/pdm/pdmtab:3: options: unknown option 'bogus'");
    BOOST_TEST(p.errors.at(2) == "/etc/pdm/pdmtab:4: name: 'a' already defined at line 1");
    BOOST_TEST(load_pdmtab_lines("/nonexistent/pdmtab").entries.empty());
}
