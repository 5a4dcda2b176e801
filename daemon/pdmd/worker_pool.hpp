// A few threads that run every device's work.  A thread per device did not
// scale: hundreds of watched devices meant hundreds of locked stacks, and
// one wrapping-key change woke them all at once.  Work is
// proportional to the devices that changed: a device is queued when the
// monitor pokes it or when a timer it asked for (a retry's back-off, the
// next master-key check) runs out, and a device is never run by two threads
// at once.  A slow derivation (a busy card) holds up one thread, not the
// others; only as many devices as there are threads can be slow at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

#include "small_thread.hpp"

namespace pdmd {

class PoolTask {
public:
    virtual ~PoolTask() = default;
    // One pass of the device's work, on a pool thread.
    virtual void run_pass() noexcept = 0;
    // A timer asked for with WorkerPool::at() ran out.
    virtual void timer_fired(std::chrono::steady_clock::time_point when) noexcept = 0;
};

class WorkerPool {
public:
    using clock = std::chrono::steady_clock;
    static constexpr unsigned default_threads = 4;

    explicit WorkerPool(unsigned threads = default_threads);
    ~WorkerPool();  // finishes the passes that run, drops the queue, joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Run t->run_pass() soon.  The task keeps itself from being queued twice.
    void enqueue(std::shared_ptr<PoolTask> t);
    // Call t->timer_fired(when) at `when`, unless the task is gone by then.
    void at(clock::time_point when, std::weak_ptr<PoolTask> t);
    unsigned threads() const noexcept { return static_cast<unsigned>(threads_.size()); }

private:
    void thread_main() noexcept;

    struct Timer {
        clock::time_point when;
        std::weak_ptr<PoolTask> task;
        bool operator>(const Timer& o) const noexcept { return when > o.when; }
    };
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<PoolTask>> ready_;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
    bool stop_ = false;
    std::vector<std::unique_ptr<SmallStackThread>> threads_;  // last: started once the rest exists
};

}  // namespace pdmd
