#define BOOST_TEST_MODULE dm_targets
#include <boost/test/unit_test.hpp>

#include <linux/dm-ioctl.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"

using namespace pkeydm;

namespace {

// A DM_TABLE_STATUS data area as the kernel writes it: each record a
// dm_target_spec and its NUL-terminated parameters, the next one 8-byte
// aligned, `next` counted from the start of the area.
struct Answer {
    std::vector<char> bytes;
    std::vector<std::size_t> specs;

    void add(std::uint64_t start, std::uint64_t length, const std::string& type, const std::string& params)
    {
        if (!specs.empty()) {
            dm_target_spec prev;
            std::memcpy(&prev, bytes.data() + specs.back(), sizeof prev);
            prev.next = static_cast<std::uint32_t>(bytes.size());
            std::memcpy(bytes.data() + specs.back(), &prev, sizeof prev);
        }
        dm_target_spec spec{};
        spec.sector_start = start;
        spec.length = length;
        std::strncpy(spec.target_type, type.c_str(), sizeof spec.target_type - 1);
        specs.push_back(bytes.size());
        const auto at = bytes.size();
        bytes.resize(at + sizeof spec + params.size() + 1);
        std::memcpy(bytes.data() + at, &spec, sizeof spec);
        std::memcpy(bytes.data() + at + sizeof spec, params.c_str(), params.size() + 1);
        bytes.resize((bytes.size() + 7) & ~std::size_t{7});
    }
    std::span<const char> span() const { return {bytes.data(), bytes.size()}; }
};

bool devmapper_error(const Error& e)
{
    return e.code() == Errc::devmapper;
}

}  // namespace

BOOST_AUTO_TEST_CASE(targets_come_back_in_order_with_their_parameters)
{
    Answer a;
    a.add(0, 2048, "paes", "0 valid gen=1");
    a.add(2048, 8, "linear", "");
    a.add(2056, 1, "error", "a longer parameter string that is not a multiple of eight");
    const auto t = parse_dm_targets(a.span(), 3);
    BOOST_REQUIRE_EQUAL(t.size(), 3u);
    BOOST_TEST(t[0].type == "paes");
    BOOST_TEST(t[0].start == 0u);
    BOOST_TEST(t[0].length == 2048u);
    BOOST_TEST(t[0].params == "0 valid gen=1");
    BOOST_TEST(t[1].type == "linear");
    BOOST_TEST(t[1].params.empty());
    BOOST_TEST(t[2].start == 2056u);
    BOOST_TEST(t[2].params == "a longer parameter string that is not a multiple of eight");
}

BOOST_AUTO_TEST_CASE(no_targets_is_an_empty_table)
{
    BOOST_TEST(parse_dm_targets({}, 0).empty());
}

BOOST_AUTO_TEST_CASE(a_count_beyond_the_records_is_refused)
{
    Answer a;
    a.add(0, 8, "paes", "x");
    // The last record says nothing of a next one: next is 0.
    BOOST_CHECK_EXCEPTION(parse_dm_targets(a.span(), 2), Error, devmapper_error);
}

BOOST_AUTO_TEST_CASE(a_record_cut_short_is_refused)
{
    Answer a;
    a.add(0, 8, "paes", "parameters");
    BOOST_CHECK_EXCEPTION(parse_dm_targets(a.span().first(sizeof(dm_target_spec) - 1), 1), Error,
                          devmapper_error);
    // Parameters without their NUL.
    BOOST_CHECK_EXCEPTION(parse_dm_targets(a.span().first(sizeof(dm_target_spec) + 4), 1), Error,
                          devmapper_error);
}

BOOST_AUTO_TEST_CASE(a_next_offset_backwards_or_outside_is_refused)
{
    for (const std::uint32_t next : {0u, 8u, 4096u}) {
        Answer a;
        a.add(0, 8, "paes", "one");
        a.add(8, 8, "paes", "two");
        dm_target_spec first;
        std::memcpy(&first, a.bytes.data(), sizeof first);
        first.next = next;
        std::memcpy(a.bytes.data(), &first, sizeof first);
        BOOST_CHECK_EXCEPTION(parse_dm_targets(a.span(), 2), Error, devmapper_error);
    }
}

BOOST_AUTO_TEST_CASE(a_type_name_filling_its_field_stays_inside_it)
{
    Answer a;
    a.add(0, 8, std::string(DM_MAX_TYPE_NAME - 1, 't'), "p");
    dm_target_spec spec;
    std::memcpy(&spec, a.bytes.data(), sizeof spec);
    std::memset(spec.target_type, 'u', sizeof spec.target_type);  // no NUL
    std::memcpy(a.bytes.data(), &spec, sizeof spec);
    const auto t = parse_dm_targets(a.span(), 1);
    BOOST_TEST(t[0].type == std::string(DM_MAX_TYPE_NAME, 'u'));
    BOOST_TEST(t[0].params == "p");
}
