#define BOOST_TEST_MODULE secure_buffer
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <set>
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

// Runs `body` in a child under mlockall(MCL_CURRENT | MCL_FUTURE), so the
// other tests keep a normal process; its exit code (0: passed), or 77 where
// mlockall is not allowed (nothing to test).
int in_locked_child(int (*body)())
{
    const pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
            _exit(77);
        try {
            _exit(body());
        } catch (...) {
            _exit(99);
        }
    }
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status) == 77 ? 0 : WEXITSTATUS(status);
}

// Whether the mapping holding `p` is left out of core dumps ("dd" in its
// VmFlags).
bool in_dontdump_mapping(const void* p)
{
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2)
            inside = a >= lo && a < hi;
        else if (inside && line.rfind("VmFlags:", 0) == 0)
            return (line + " ").find(" dd ") != std::string::npos;
    }
    return false;
}

}  // namespace

// Under mlockall a freed buffer must leave its pages locked: munlock would
// unlock heap pages malloc reuses, and pdmd's own data could then go to the
// swap device whose key pdmd is about to restore (pdm.swap.secure found a
// deadlock: pdmd waiting on a swap-in from the stale device).
BOOST_AUTO_TEST_CASE(mlockall_process_keeps_pages_locked)
{
    BOOST_TEST(in_locked_child([] {
                   SecureBuffer::process_memory_locked();
                   { SecureBuffer warm(100); }
                   const auto before = vm_locked_kib();
                   { SecureBuffer b(3 * 4096); }
                   return vm_locked_kib() >= before ? 0 : 1;
               }) == 0);
}

// pdmd (mlockall) keeps buffers per device: they share pages of a pool
// instead of taking one each, and stay out of core dumps, small or large.
// A buffer made before the switch is freed as what it is.
BOOST_AUTO_TEST_CASE(locked_process_takes_buffers_from_the_pool)
{
    BOOST_TEST(in_locked_child([] {
                   SecureBuffer before(100);
                   if (reinterpret_cast<std::uintptr_t>(before.data()) % 4096 != 0)
                       return 2;
                   SecureBuffer::process_memory_locked();
                   std::vector<SecureBuffer> many;
                   for (int i = 0; i < 64; ++i)
                       many.emplace_back(100 + i);
                   many.emplace_back(5000);
                   many.emplace_back(64 * 1024);
                   std::set<std::uintptr_t> pages;
                   for (const auto& b : many)
                       pages.insert(reinterpret_cast<std::uintptr_t>(b.data()) / 4096);
                   if (pages.size() > 16)
                       return 3;
                   for (const auto& b : many) {
                       if (!b.locked() || !in_dontdump_mapping(b.data()) || b.c_str()[b.size()] != 0)
                           return 4;
                       for (auto byte : b.span())
                           if (byte != 0)
                               return 5;
                   }
                   many.back().data()[100] = 1;
                   many.clear();
                   before = SecureBuffer(7);
                   // freed blocks come back zeroed
                   for (int i = 0; i < 64; ++i) {
                       SecureBuffer again(100 + i);
                       for (auto byte : again.span())
                           if (byte != 0)
                               return 6;
                       again.data()[0] = 0xff;
                   }
                   return in_dontdump_mapping(before.data()) ? 0 : 7;
               }) == 0);
}
