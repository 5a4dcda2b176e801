#define BOOST_TEST_MODULE dm_log
#include <boost/test/unit_test.hpp>

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/log_sink.hpp"

using namespace pkeydm;

namespace {

std::mutex seen_lock;
std::vector<std::pair<int, std::string>> seen;

void capture(int priority, std::string_view message) noexcept
{
    const std::lock_guard l(seen_lock);
    seen.emplace_back(priority, std::string(message));
}

}  // namespace

// libdevmapper's complaints reach the sink, not stderr.  On a host without
// usable device-mapper every call fails and logs why; where device-mapper
// works a suspend of a missing name fails with ENXIO, and only the "no
// crash from many threads" half is checked.  As root on a host without
// /dev/mapper/control libdevmapper would create that node: skipped there, a
// unit test leaves the host as it found it.
BOOST_AUTO_TEST_CASE(libdevmapper_messages_go_to_the_sink_from_many_threads)
{
    if (::geteuid() == 0 && ::access("/dev/mapper/control", F_OK) != 0) {
        BOOST_TEST_MESSAGE("skipped: root without /dev/mapper/control (run as another user to test)");
        return;
    }
    set_log_sink(capture);
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 20; ++j) {
                try {
                    dm_suspend("pdm-unit-no-such-device", false);
                    BOOST_ERROR("a suspend of a missing device succeeded");
                } catch (const Error& e) {
                    BOOST_CHECK(e.code() == Errc::devmapper);
                    if (e.sys_errno() != ENXIO)
                        ++failed;
                }
            }
        });
    for (auto& t : threads)
        t.join();
    set_log_sink(nullptr);
    const std::lock_guard l(seen_lock);
    if (failed > 0) {
        BOOST_TEST(!seen.empty());
        BOOST_TEST_MESSAGE("first libdevmapper message: " << seen.front().second);
    }
    for (const auto& [priority, message] : seen) {
        BOOST_TEST(priority <= LOG_WARNING);
        BOOST_TEST(!message.empty());
    }
}

BOOST_AUTO_TEST_CASE(default_sink_is_restored)
{
    set_log_sink(capture);
    set_log_sink(nullptr);
    const auto before = seen.size();
    log_to_sink(LOG_WARNING, "pdm unit test: this line belongs on stderr");
    BOOST_TEST(seen.size() == before);
}
