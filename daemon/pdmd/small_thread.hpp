// A joinable thread with a small, fixed stack.  pdmd runs under
// mlockall(MCL_FUTURE), which locks every thread's whole stack mapping: with
// std::thread's default (8 MiB, RLIMIT_STACK) each watched device would pin
// 8 MiB of RAM.  The deepest pdmd's threads have gone, measured by
// tests/bench/scale.sh (stack-depth) over recoveries of 1 to 256 devices,
// is 13 KiB (a worker: dm ioctls, JSON state, pkey ioctls, an exception),
// with glibc's thread descriptor and TLS; 64 KiB leaves four times that.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <functional>

namespace pdmd {

class SmallStackThread {
public:
    static constexpr std::size_t default_stack = 64 * 1024;

    // `name` (at most 15 characters) shows in ps and /proc/PID/task/*/comm.
    SmallStackThread(const char* name, std::function<void()> fn, std::size_t stack_bytes = default_stack);
    ~SmallStackThread();  // joins if still joinable
    SmallStackThread(const SmallStackThread&) = delete;
    SmallStackThread& operator=(const SmallStackThread&) = delete;

    void join();

private:
    static void* trampoline(void* self);

    std::function<void()> fn_;
    pthread_t tid_{};
    bool joinable_ = false;
};

}  // namespace pdmd
