// pdmd's log: the journal with structured fields when systemd runs pdmd
// (journal_fields.hpp), else syslog (facility daemon); optionally mirrored
// to stderr.  Every event has a stable tag as its first word (PDM_KEY_STALE,
// ...) so that log watchers and the VM tests can match on it;
// docs/man/pdmd.8 lists them.
//
// While an AsyncLog exists, log() only queues the line and a thread of its
// own writes it.  Writing a log line can block for long: on memory, on the
// syslog socket, on a stderr file whose pages are on tmpfs and go to swap.
// If the swap device is the one waiting for a key, the device worker that
// must send that key cannot be the thread stuck in the write.
#pragma once

#include <syslog.h>

#include <string>

namespace pdmd {

enum class LogTarget { syslog, journal };
// Whether stderr is connected to journald (JOURNAL_STREAM names its device
// and inode, systemd.exec(5)): then the journal is the natural target.
bool stderr_is_journal() noexcept;

void log_open(LogTarget target, bool to_stderr);
void log(int priority, const std::string& message);

class AsyncLog {
public:
    // Starts the writer thread: create it with the signals blocked that
    // every thread should have blocked.
    AsyncLog();
    // Writes what is queued, then stops the thread; log() writes directly
    // again.
    ~AsyncLog();
    AsyncLog(const AsyncLog&) = delete;
    AsyncLog& operator=(const AsyncLog&) = delete;
};

}  // namespace pdmd
