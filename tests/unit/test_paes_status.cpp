#define BOOST_TEST_MODULE paes_status
#include <boost/test/unit_test.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/device/paes_status.hpp"

using namespace pkeydm;

BOOST_AUTO_TEST_CASE(contract_fields)
{
    const auto s = parse_paes_status("key=stale gen=3 parked=12 stale_events=2 lost_blocks=0 keytype=AES_256 "
                                     "wkvp=1a2b3c4d parked_total=40 expired=0 key_timeout=30000 sector_size=4096");
    BOOST_TEST((s.key == KeyState::stale));
    BOOST_TEST(s.number("gen").value() == 3u);
    BOOST_TEST(s.number("parked").value() == 12u);
    BOOST_TEST(s.number_or("lost_blocks", 9) == 0u);
    BOOST_TEST(s.get("wkvp").value() == "1a2b3c4d");
    BOOST_TEST(s.get("keytype").value() == "AES_256");
    BOOST_TEST(!s.number("keytype").has_value());
    BOOST_TEST(!s.get("nonexistent").has_value());
}

BOOST_AUTO_TEST_CASE(tolerant)
{
    auto s = parse_paes_status("  key=valid   future_field=xyz gen=1\n");
    BOOST_TEST((s.key == KeyState::valid));
    BOOST_TEST(s.get("future_field").value() == "xyz");
    s = parse_paes_status("key=weird");
    BOOST_TEST((s.key == KeyState::unknown));
    s = parse_paes_status("");
    BOOST_TEST((s.key == KeyState::unknown));
    s = parse_paes_status("key=lost empty=");
    BOOST_TEST((s.key == KeyState::lost));
    BOOST_TEST(!s.number("empty").has_value());
    BOOST_TEST(key_state_name(KeyState::none) == "none");
    BOOST_TEST((key_state_from("none") == KeyState::none));
}

BOOST_AUTO_TEST_CASE(malformed)
{
    try {
        parse_paes_status("key=valid garbage");
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()) == "paes status: field 'garbage' is not name=value");
    }
    BOOST_CHECK_THROW(parse_paes_status("=x"), Error);
}
