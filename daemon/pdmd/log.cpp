#include "log.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "journal_fields.hpp"
#include "small_thread.hpp"
#include "systemd_protocol.hpp"

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
LogTarget target = LogTarget::syslog;
bool mirror_to_stderr = false;  // syslog mirrors by itself (LOG_PERROR)
// Not thread-safe: lines are written by the log thread while an AsyncLog
// exists, and by the main thread before and after, when no other runs.
DatagramSender journal;

// 0, or a negative errno when journald did not take the line.
int journal_line(int priority, const std::string& message)
{
    const auto f = journal_fields(message);
    const std::string prio = "PRIORITY=" + std::to_string(priority);
    const std::string facility = "SYSLOG_FACILITY=" + std::to_string(LOG_DAEMON >> 3);
    const std::string msg = "MESSAGE=" + message;
    std::vector<std::string_view> fields{msg, prio, "SYSLOG_IDENTIFIER=pdmd", facility};
    std::string event, id, device;
    if (!f.event.empty())
        fields.push_back(event = "PDM_EVENT=" + std::string(f.event));
    if (!f.message_id.empty())
        fields.push_back(id = "MESSAGE_ID=" + std::string(f.message_id));
    if (!f.device.empty())
        fields.push_back(device = "PDM_DEVICE=" + std::string(f.device));
    return journal.send("/run/systemd/journal/socket", journal_datagram(fields));
}

// Runs on the log thread while an AsyncLog exists: the journal's and
// syslog's sockets may block, the device workers never wait for them.
void write_line(int priority, const std::string& message)
{
    if (target == LogTarget::journal) {
        if (journal_line(priority, message) == 0) {
            if (mirror_to_stderr)
                std::fprintf(stderr, "pdmd: %s\n", message.c_str());
            return;
        }
    }
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

bool stderr_is_journal() noexcept
{
    const char* e = std::getenv("JOURNAL_STREAM");
    if (!e)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(e, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st;
    return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

void log_open(LogTarget t, bool to_stderr)
{
    target = t;
    mirror_to_stderr = to_stderr;
    // Also the fallback when journald does not take a line.
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
        writer = std::make_unique<SmallStackThread>("pdmd-log", writer_loop);
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
