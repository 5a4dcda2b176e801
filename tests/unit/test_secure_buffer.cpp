#define BOOST_TEST_MODULE secure_buffer
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <type_traits>
#include <vector>

#include "pkeydm/key/secure_buffer.hpp"

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

namespace {

std::size_t mapping_count()
{
    std::ifstream maps("/proc/self/maps");
    std::size_t n = 0;
    for (std::string line; std::getline(maps, line);)
        ++n;
    return n;
}

}  // namespace

// A freed buffer gives back its VM_DONTDUMP flag, so its pages merge with
// their neighbours again; otherwise every buffer ever freed stays a mapping
// of its own and a long-running process hits vm.max_map_count (found by
// fuzz.repository_info.long, where ASan does not reuse freed memory).
BOOST_AUTO_TEST_CASE(freed_buffers_leave_no_mappings)
{
    // Keep freed chunks from being reused, like ASan's quarantine does.
    std::vector<std::vector<char>> spacers;
    { SecureBuffer warm(100); }
    const auto before = mapping_count();
    for (int i = 0; i < 200; ++i) {
        { SecureBuffer b(100 + static_cast<std::size_t>(i)); }
        spacers.emplace_back(5000, 'x');
    }
    BOOST_TEST(mapping_count() <= before + 4);
}

namespace {

std::size_t vm_locked_kib()
{
    std::ifstream st("/proc/self/status");
    for (std::string line; std::getline(st, line);)
        if (line.rfind("VmLck:", 0) == 0)
            return std::stoul(line.substr(6));
    return 0;
}

}  // namespace

// Under mlockall a freed buffer must leave its pages locked: munlock would
// unlock heap pages malloc reuses, and pdmd's own data could then go to the
// swap device whose key pdmd is about to restore (pdm.swap.secure found a
// deadlock: pdmd waiting on a swap-in from the stale device).  In a child,
// so the other tests keep a normal process.
BOOST_AUTO_TEST_CASE(mlockall_process_keeps_pages_locked)
{
    const pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
            _exit(77);  // not allowed here: nothing to test
        SecureBuffer::process_memory_locked();
        { SecureBuffer warm(100); }
        const auto before = vm_locked_kib();
        { SecureBuffer b(3 * 4096); }
        _exit(vm_locked_kib() >= before ? 0 : 1);
    }
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        return;
    BOOST_TEST(WEXITSTATUS(status) == 0);
}
