#define BOOST_TEST_MODULE device_state
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>

#include "pkeydm/config/device_state.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/manager.hpp"

using namespace pkeydm;

BOOST_AUTO_TEST_CASE(uuid)
{
    BOOST_TEST(pdm_uuid(KeySourceKind::ephemeral, "swap0") == "PDM-EPHEMERAL-swap0");
    BOOST_TEST((kind_from_uuid("PDM-SECURE-data") == KeySourceKind::secure));
    BOOST_TEST((kind_from_uuid("PDM-CLEAR-x") == KeySourceKind::clear));
    BOOST_TEST(!kind_from_uuid("CRYPT-PLAIN-x").has_value());
    BOOST_TEST(!kind_from_uuid("PDM-SECURE").has_value());
    BOOST_TEST(!kind_from_uuid("PDM-OTHER-x").has_value());
    BOOST_TEST(pdm_uuid(KeySourceKind::random_secure, "swap1") == "PDM-RANDOMSECURE-swap1");
    BOOST_TEST((kind_from_uuid("PDM-RANDOMSECURE-swap1") == KeySourceKind::random_secure));
    BOOST_TEST((kind_from_uuid("PDM-SECURE-RANDOMSECURE-x") == KeySourceKind::secure));
    BOOST_TEST(!kind_from_uuid("PDM-RANDOMSECURE").has_value());
}

BOOST_AUTO_TEST_CASE(json_roundtrip)
{
    DeviceState s;
    s.name = "data";
    s.device = "/dev/vdb";
    s.source = {KeySourceKind::secure, "datakey"};
    s.options.xts_bits = 128;
    s.options.on_key_loss = OnKeyLoss::error;
    s.options.key_timeout_ms = 500;
    s.options.swap = true;
    const auto p = parse_device_state(format_device_state(s), "x");
    BOOST_TEST(p.name == "data");
    BOOST_TEST(p.source.arg == "datakey");
    BOOST_TEST(p.options.xts_bits == 128u);
    BOOST_TEST((p.options.on_key_loss == OnKeyLoss::error));
    BOOST_TEST(p.options.key_timeout_ms.value() == 500u);
    BOOST_TEST(p.options.swap);

    BOOST_CHECK_THROW(parse_device_state("{", "x"), Error);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a"})", "x"), Error);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a","keysource":"bogus"})", "x"), Error);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a","keysource":"ephemeral","xts_bits":192})", "x"), Error);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a","keysource":"ephemeral","on_key_loss":"x"})", "x"), Error);
}

// Numbers are whole and in range, or refused: no unchecked float or
// out-of-range cast (fuzz.device_state.long found "xts_bits": 20E56).
BOOST_AUTO_TEST_CASE(numbers_checked)
{
    const auto with = [](const std::string& field) {
        return parse_device_state(R"({"name":"a","keysource":"ephemeral",)" + field + "}", "x");
    };
    BOOST_CHECK_THROW(with(R"("xts_bits":20E56)"), Error);
    BOOST_CHECK_THROW(with(R"("xts_bits":256.0)"), Error);
    BOOST_CHECK_THROW(with(R"("sector_size":-4096)"), Error);
    BOOST_CHECK_THROW(with(R"("sector_size":4294967296)"), Error);
    BOOST_CHECK_THROW(with(R"("key_timeout_ms":5.00)"), Error);
    BOOST_CHECK_THROW(with(R"("key_timeout_ms":"500")"), Error);
    BOOST_TEST(with(R"("key_timeout_ms":4294967295)").options.key_timeout_ms.value() == 4294967295u);
    BOOST_TEST(with(R"("sector_size":512)").options.sector_size == 512u);
}

BOOST_AUTO_TEST_CASE(files)
{
    char tmpl[] = "/tmp/pdm-state-test-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    DeviceState s;
    s.name = "swap0";
    s.device = "/dev/vdb";
    save_device_state(dir + "/run", s);
    const auto l = load_device_state(dir + "/run", "swap0");
    BOOST_TEST(l.has_value());
    BOOST_TEST((l->source.kind == KeySourceKind::ephemeral));
    BOOST_TEST(!load_device_state(dir + "/run", "other").has_value());
    remove_device_state(dir + "/run", "swap0");
    BOOST_TEST(!load_device_state(dir + "/run", "swap0").has_value());
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(table_for_state)
{
    DeviceState s;
    s.name = "swap0";
    s.device = "/dev/vdb";
    s.options.sector_size = 4096;
    const auto t = build_paes_table(s, 2049, 160);  // rounds down to whole 4 KiB sectors
    BOOST_TEST(format_paes_line(t) == "0 2048 paes paes-xts-plain64 :160:logon:pdm:swap0 0 /dev/vdb 0 1 sector_size:4096");
    BOOST_CHECK_THROW(build_paes_table(s, 7, 160), Error);
    // A known pattern goes into the table: the kernel then refuses any
    // other effective key.
    s.vp = "00112233445566778899aabbccddeeff";
    BOOST_TEST(format_paes_line(build_paes_table(s, 2048, 160)) ==
               "0 2048 paes paes-xts-plain64 :160:logon:pdm:swap0 0 /dev/vdb 0 2 sector_size:4096 "
               "vp:00112233445566778899aabbccddeeff");
}

BOOST_AUTO_TEST_CASE(vp_field)
{
    DeviceState s;
    s.name = "a";
    BOOST_TEST(format_device_state(s).find("\"vp\"") == std::string::npos);
    s.vp = "00112233445566778899aabbccddeeff";
    BOOST_TEST(parse_device_state(format_device_state(s), "x").vp == s.vp);
    // State files of older versions have no vp: still read, pattern unknown.
    BOOST_TEST(parse_device_state(R"({"version":1,"name":"a","keysource":"ephemeral"})", "x").vp.empty());
    BOOST_TEST(parse_device_state(R"({"name":"a","keysource":"ephemeral","vp":"00112233445566778899AABBCCDDEEFF"})",
                                  "x")
                   .vp == s.vp);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a","keysource":"ephemeral","vp":"0011"})", "x"), Error);
    BOOST_CHECK_THROW(parse_device_state(R"({"name":"a","keysource":"ephemeral","vp":5})", "x"), Error);
}
