// Where libpkeydm's own diagnostics go: the messages of libdevmapper (in
// pdm), which would otherwise write to stderr from whichever thread ran the
// task, and libpkeydm's own warnings (a key file's mode).
#pragma once

#include <string_view>

namespace pkeydm {

// `priority` is a syslog priority (LOG_ERR, LOG_WARNING, ...); `message` has
// no trailing newline.  A sink is called from the thread that made the
// library call, from several threads at once, and for libdevmapper's
// messages while libpkeydm's libdevmapper lock is held: it must not call
// libpkeydm's dm functions, and should not block (pdmd hands the line to
// its log thread).
using LogSink = void (*)(int priority, std::string_view message) noexcept;

// Install `sink` for the whole process; nullptr restores the default, which
// writes "<program>: <message>" to stderr (what pdm wants).  Set it once at
// start-up, before other threads use libpkeydm.
void set_log_sink(LogSink sink) noexcept;

// Pass one message to the current sink.
void log_to_sink(int priority, std::string_view message) noexcept;

}  // namespace pkeydm
