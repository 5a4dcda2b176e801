#include "worker_pool.hpp"

#include <string>

#include "io_path.hpp"
#include "log.hpp"

namespace pdmd {

WorkerPool::WorkerPool(unsigned threads)
{
    if (threads == 0)
        threads = 1;
    threads_.reserve(threads);
    try {
        for (unsigned i = 0; i < threads; ++i)
            threads_.push_back(std::make_unique<SmallStackThread>("pdmd-worker", [this] { thread_main(); }));
    } catch (...) {
        {
            std::lock_guard lk(m_);
            stop_ = true;
        }
        cv_.notify_all();
        threads_.clear();  // joins those that started
        throw;
    }
}

WorkerPool::~WorkerPool()
{
    {
        std::lock_guard lk(m_);
        stop_ = true;
    }
    cv_.notify_all();
    threads_.clear();
}

void WorkerPool::enqueue(std::shared_ptr<PoolTask> t)
{
    {
        std::lock_guard lk(m_);
        ready_.push_back(std::move(t));
    }
    cv_.notify_one();
}

void WorkerPool::at(clock::time_point when, std::weak_ptr<PoolTask> t)
{
    {
        std::lock_guard lk(m_);
        timers_.push(Timer{when, std::move(t)});
    }
    // Every idle thread then waits for the earliest timer, not only for
    // work: when one of them takes work that runs long (a busy card), the
    // others still watch the timers.
    cv_.notify_all();
}

void WorkerPool::thread_main() noexcept
{
    try {
        if (io_flusher_expected() && !thread_is_io_flusher())
            log(LOG_CRIT, "PDM_WORKER_NOT_IO_FLUSHER: a pool thread lacks PR_SET_IO_FLUSHER, its allocations "
                          "may wait on swap");
    } catch (...) {
    }
    std::unique_lock lk(m_);
    for (;;) {
        if (stop_)
            return;
        if (!ready_.empty()) {
            auto t = std::move(ready_.front());
            ready_.pop_front();
            lk.unlock();
            t->run_pass();
            t.reset();
            lk.lock();
            continue;
        }
        if (!timers_.empty() && timers_.top().when <= clock::now()) {
            auto timer = timers_.top();
            timers_.pop();
            lk.unlock();
            if (auto t = timer.task.lock())
                t->timer_fired(timer.when);
            lk.lock();
            continue;
        }
        if (timers_.empty())
            cv_.wait(lk);
        else
            cv_.wait_until(lk, timers_.top().when);
    }
}

}  // namespace pdmd
