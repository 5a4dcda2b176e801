#define BOOST_TEST_MODULE journal_fields
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "journal_fields.hpp"

using namespace pdmd;

BOOST_AUTO_TEST_CASE(event_device_and_id)
{
    auto f = journal_fields("PDM_KEY_REDERIVED dev=swap0 source=secure:k was=stale gen=2 key=valid");
    BOOST_TEST(f.event == "PDM_KEY_REDERIVED");
    BOOST_TEST(f.device == "swap0");
    BOOST_TEST(f.message_id == "240234ab33af4d11abb94ee5a8960999");

    f = journal_fields("PDM_KEY_NONE dev=data.1: no key (key wipe, or a table without one): left alone");
    BOOST_TEST(f.event == "PDM_KEY_NONE");
    BOOST_TEST(f.device == "data.1");

    f = journal_fields("PDM_DAEMON_WARN no SCHED_RR: Operation not permitted");
    BOOST_TEST(f.event == "PDM_DAEMON_WARN");
    BOOST_TEST(f.device.empty());
    BOOST_TEST(f.message_id == "9cac558343b94d86978b79ba10d9e74a");

    // The name may end the line.
    f = journal_fields("PDM_DEVICE_GONE dev=x");
    BOOST_TEST(f.device == "x");

    f = journal_fields("PDM_SOMETHING_NEW dev=a");
    BOOST_TEST(f.event == "PDM_SOMETHING_NEW");
    BOOST_TEST(f.message_id.empty());
    BOOST_TEST(f.device == "a");

    f = journal_fields("not a tagged line dev=y");
    BOOST_TEST(f.event.empty());
    BOOST_TEST(f.device.empty());
}

BOOST_AUTO_TEST_CASE(ids_are_unique_128_bit_hex)
{
    std::set<std::string_view> events, ids;
    for (const auto& e : event_ids()) {
        BOOST_TEST(e.message_id.size() == 32u);
        BOOST_TEST(e.message_id.find_first_not_of("0123456789abcdef") == std::string_view::npos);
        events.insert(e.event);
        ids.insert(e.message_id);
    }
    BOOST_TEST(events.size() == event_ids().size());
    BOOST_TEST(ids.size() == event_ids().size());
    BOOST_TEST(event_ids().size() == 26u);
}
