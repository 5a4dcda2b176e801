#define BOOST_TEST_MODULE secure_buffer
#include <boost/test/unit_test.hpp>

#include <type_traits>

#include "pkeydm/secure_buffer.hpp"

using namespace pkeydm;

static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);

BOOST_AUTO_TEST_CASE(basics)
{
    SecureBuffer a(16);
    BOOST_TEST(a.size() == 16u);
    for (auto b : a.span())
        BOOST_TEST(b == 0);
    SecureBuffer b = std::move(a);
    BOOST_TEST(a.empty());
    BOOST_TEST(b.size() == 16u);
    b.truncate(4);
    BOOST_TEST(b.size() == 4u);
    BOOST_TEST(b.data()[4] == 0);
}

BOOST_AUTO_TEST_CASE(concat_is_nul_terminated)
{
    const auto m = SecureBuffer::concat_text({"key set ", ":160:logon:pdm:x"});
    BOOST_TEST(std::string(m.c_str()) == "key set :160:logon:pdm:x");
    BOOST_TEST(m.size() == 24u);
    SecureBuffer empty;
    BOOST_TEST(std::string(empty.c_str()).empty());
}
