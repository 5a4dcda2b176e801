#include "kernel_reserve.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "log.hpp"
#include "small_thread.hpp"

namespace pdmd {

namespace {

constexpr std::size_t huge_page = 2 * 1024 * 1024;

struct State {
    std::mutex m;
    std::condition_variable cv;
    void* block = nullptr;
    std::size_t bytes = 0;
    bool stop = false;
    std::atomic<std::size_t> releases{0};
};

State st;

// MemAvailable in KiB from /proc/meminfo (kernel memory, never swapped).
long mem_available_kib()
{
    std::FILE* f = std::fopen("/proc/meminfo", "re");
    if (!f)
        return -1;
    char line[128];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    std::fclose(f);
    return kib;
}

// A locked, populated block of `bytes`, 2 MiB aligned so that it can be a
// transparent huge page: unmapping it then frees one large contiguous block.
void* take(std::size_t bytes)
{
    // PROT_NONE first: under mlockall(MCL_FUTURE) a writable mapping would
    // be populated at once, with small pages, before MADV_HUGEPAGE.
    const std::size_t span = bytes + huge_page;
    void* p = ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return nullptr;
    auto* base = static_cast<char*>(p);
    const auto addr = reinterpret_cast<std::uintptr_t>(base);
    char* aligned = base + ((huge_page - addr % huge_page) % huge_page);
    if (aligned > base)
        ::munmap(base, static_cast<std::size_t>(aligned - base));
    if (char* end = base + span; end > aligned + bytes)
        ::munmap(aligned + bytes, static_cast<std::size_t>(end - (aligned + bytes)));
    ::madvise(aligned, bytes, MADV_HUGEPAGE);
    if (::mprotect(aligned, bytes, PROT_READ | PROT_WRITE) < 0 || ::mlock(aligned, bytes) < 0) {
        ::munmap(aligned, bytes);
        return nullptr;
    }
    std::memset(aligned, 0, bytes);
    return aligned;
}

void keeper()
{
    std::unique_lock lk(st.m);
    while (!st.stop) {
        if (st.block) {
            st.cv.wait(lk, [] { return st.stop || !st.block; });
            continue;
        }
        // Released: wait until memory is plentiful again (the device has
        // its key and reclaim works) before taking it back.
        st.cv.wait_for(lk, std::chrono::seconds(5), [] { return st.stop; });
        if (st.stop)
            break;
        // Nothing that can wait for memory runs under the lock: a worker
        // takes it at the start of every recovery.
        const std::size_t bytes = st.bytes;
        lk.unlock();
        const long avail = mem_available_kib();
        void* p = nullptr;
        if (avail >= 0 && static_cast<std::size_t>(avail) * 1024 >= 16 * bytes)
            p = take(bytes);
        lk.lock();
        if (p && !st.block && !st.stop)
            st.block = p;
        else if (p)
            ::munmap(p, bytes);
    }
}

std::unique_ptr<SmallStackThread> keeper_thread;

}  // namespace

int run_realtime() noexcept
{
    sched_param sp{};
    sp.sched_priority = 10;
    if (::sched_setscheduler(0, SCHED_RR, &sp) < 0)
        return errno;
    return 0;
}

KernelReserve::KernelReserve(std::size_t bytes)
{
    {
        std::lock_guard lk(st.m);
        st.bytes = bytes;
        st.stop = false;
        st.block = take(bytes);
        if (!st.block)
            log(LOG_WARNING, "PDM_DAEMON_WARN cannot lock a " + std::to_string(bytes >> 20) +
                                 " MiB kernel reserve: " + std::strerror(errno));
    }
    keeper_thread = std::make_unique<SmallStackThread>("pdmd-reserve", keeper);
}

KernelReserve::~KernelReserve()
{
    {
        std::lock_guard lk(st.m);
        st.stop = true;
    }
    st.cv.notify_all();
    keeper_thread.reset();
    std::lock_guard lk(st.m);
    if (st.block)
        ::munmap(st.block, st.bytes);
    st.block = nullptr;
}

void release_kernel_reserve() noexcept
{
    void* p = nullptr;
    std::size_t bytes = 0;
    {
        std::lock_guard lk(st.m);
        p = std::exchange(st.block, nullptr);
        bytes = st.bytes;
    }
    if (!p)
        return;
    ::munmap(p, bytes);
    st.releases.fetch_add(1);
    st.cv.notify_all();
}

}  // namespace pdmd
