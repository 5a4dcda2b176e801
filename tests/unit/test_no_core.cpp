#define BOOST_TEST_MODULE no_core
#include <boost/test/unit_test.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>

#include "pkeydm/no_core.hpp"

BOOST_AUTO_TEST_CASE(no_core_file_and_not_dumpable)
{
    pkeydm::forbid_core_dumps();
    BOOST_TEST(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
    struct rlimit r {};
    BOOST_TEST(::getrlimit(RLIMIT_CORE, &r) == 0);
    BOOST_TEST(r.rlim_cur == 0u);
    BOOST_TEST(r.rlim_max == 0u);
}
