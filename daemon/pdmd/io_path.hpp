// pdmd repairs the devices the kernel may be swapping to, so it must never
// wait for them: whatever it does on the recovery path may not need I/O to
// any block device.  What makes that hold for the process as a whole:
//
//  - PR_SET_IO_FLUSHER: the kernel treats allocations made on pdmd's behalf
//    (ioctls on /dev/pkey and /dev/mapper/control, add_key) as GFP_NOIO, so
//    reclaim never writes to swap for them.  The flag is per thread and only
//    threads created after it is set inherit it: main() sets it before any
//    thread exists, and every thread checks that it has it.
//  - mlockall(MCL_CURRENT|MCL_FUTURE) and a heap that is grown once at start
//    and never trimmed: no page of pdmd is ever swapped out or has to be
//    faulted in from a file while a device is stale.
//  - one pdmd per host (InstanceLock), so two daemons never answer the same
//    stale key twice.
#pragma once

#include <cstddef>
#include <string>

#include "pkeydm/unique_fd.hpp"

namespace pdmd {

// Sets PR_SET_IO_FLUSHER on the calling thread; returns 0 or the errno
// (EPERM without CAP_SYS_RESOURCE, EINVAL before Linux 5.6).
int declare_io_flusher() noexcept;
// Whether the calling thread has PR_SET_IO_FLUSHER.
bool thread_is_io_flusher() noexcept;
// Whether main() managed to set it (then every thread must have it).
bool io_flusher_expected() noexcept;

// mlockall, one malloc arena, a prefaulted heap reserve that is never given
// back, oom_score_adj -1000.  Problems are logged, not fatal.
void lock_memory(std::size_t heap_reserve_bytes);

// flock(LOCK_EX | LOCK_NB) on `path` for the object's lifetime; throws
// pkeydm::Error (Errc::usage) naming the holder's pid when another pdmd has it.
class InstanceLock {
public:
    explicit InstanceLock(const std::string& path);

private:
    pkeydm::UniqueFd fd_;
};

}  // namespace pdmd
