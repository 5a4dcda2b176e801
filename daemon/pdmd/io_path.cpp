#include "io_path.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "log.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/secure_buffer.hpp"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#define PR_GET_IO_FLUSHER 58
#endif

namespace pdmd {

namespace {

std::atomic<bool> expected{false};

std::string errno_text(int err)
{
    return std::string(std::strerror(err));
}

}  // namespace

int declare_io_flusher() noexcept
{
    if (::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
        return errno;
    expected.store(true);
    return 0;
}

bool thread_is_io_flusher() noexcept
{
    return ::prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0) == 1;
}

bool io_flusher_expected() noexcept
{
    return expected.load();
}

void lock_memory(std::size_t heap_reserve_bytes)
{
    // One arena, and every allocation from it (no per-allocation mmap):
    // the reserve grown below then serves all of pdmd's later mallocs.
    ::mallopt(M_ARENA_MAX, 1);
    ::mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, -1);
    ::mallopt(M_TOP_PAD, 0);
    if (::mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
        log(LOG_WARNING, "PDM_DAEMON_WARN mlockall failed: " + errno_text(errno));
    } else {
        pkeydm::SecureBuffer::process_memory_locked();
    }
    // Under MCL_FUTURE the heap grows locked and faulted in; freeing the
    // block leaves it in the arena (trimming is off) for later use.
    if (void* p = std::malloc(heap_reserve_bytes)) {
        std::memset(p, 0, heap_reserve_bytes);
        std::free(p);
    }
    std::ofstream oom("/proc/self/oom_score_adj");
    if (!(oom << "-1000" << std::flush))
        log(LOG_WARNING, "PDM_DAEMON_WARN cannot set oom_score_adj");
}

InstanceLock::InstanceLock(const std::string& path)
{
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
        pkeydm::make_dirs(path.substr(0, slash), 0700);
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_)
        pkeydm::throw_errno(pkeydm::Errc::io, "cannot open the pdmd lock file " + path, errno);
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) < 0) {
        const int err = errno;
        if (err != EWOULDBLOCK)
            pkeydm::throw_errno(pkeydm::Errc::io, "cannot lock " + path, err);
        char buf[32] = {};
        const ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
            pid.pop_back();
        throw pkeydm::Error(pkeydm::Errc::usage, "another pdmd (pid " + pid + ") is running: it holds " + path +
                                                     "; only one may answer stale keys");
    }
    const std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_.get(), 0) < 0 || ::pwrite(fd_.get(), me.data(), me.size(), 0) < 0)
        log(LOG_WARNING, "PDM_DAEMON_WARN cannot write the pid into " + path + ": " + errno_text(errno));
}

}  // namespace pdmd
