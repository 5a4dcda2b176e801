#include "log.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "small_thread.hpp"

namespace pdmd {

namespace {

// Enough for every device's lines of a burst of rotations; beyond it lines
// are counted and dropped rather than letting a worker wait.
constexpr std::size_t max_queued = 1024;

struct Queue {
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::pair<int, std::string>> lines;
    std::size_t dropped = 0;
    bool running = false;
    bool stop = false;
};

Queue q;
std::unique_ptr<SmallStackThread> writer;

void write_line(int priority, const std::string& message)
{
    syslog(priority, "%s", message.c_str());
}

void writer_loop()
{
    std::unique_lock lk(q.m);
    for (;;) {
        q.cv.wait(lk, [] { return q.stop || !q.lines.empty() || q.dropped; });
        if (q.lines.empty() && !q.dropped && q.stop)
            return;
        auto batch = std::move(q.lines);
        q.lines.clear();
        const std::size_t dropped = std::exchange(q.dropped, 0);
        lk.unlock();
        for (const auto& [prio, msg] : batch)
            write_line(prio, msg);
        if (dropped)
            write_line(LOG_WARNING, "PDM_LOG_DROPPED lines=" + std::to_string(dropped) +
                                        ": the log could not keep up");
        lk.lock();
    }
}

}  // namespace

void log_open(bool to_stderr)
{
    openlog("pdmd", LOG_PID | LOG_NDELAY | (to_stderr ? LOG_PERROR : 0), LOG_DAEMON);
}

void log(int priority, const std::string& message)
{
    {
        std::lock_guard lk(q.m);
        if (q.running) {
            if (q.lines.size() < max_queued)
                q.lines.emplace_back(priority, message);
            else
                ++q.dropped;
            q.cv.notify_one();
            return;
        }
    }
    write_line(priority, message);
}

AsyncLog::AsyncLog()
{
    {
        std::lock_guard lk(q.m);
        q.stop = false;
        q.running = true;
    }
    try {
        writer = std::make_unique<SmallStackThread>(writer_loop);
    } catch (...) {
        std::lock_guard lk(q.m);
        q.running = false;
        throw;
    }
}

AsyncLog::~AsyncLog()
{
    {
        std::lock_guard lk(q.m);
        q.stop = true;
        q.running = false;
    }
    q.cv.notify_one();
    writer.reset();  // joins once the queue is written
}

}  // namespace pdmd
