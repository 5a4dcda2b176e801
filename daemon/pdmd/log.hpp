// pdmd's log: syslog (facility daemon), optionally mirrored to stderr.  Every
// event has a stable tag as its first word (PDM_KEY_STALE, ...) so that log
// watchers and the VM tests can match on it; docs/man/pdmd.8 lists them.
#pragma once

#include <syslog.h>

#include <string>

namespace pdmd {

void log_open(bool to_stderr);
void log(int priority, const std::string& message);

}  // namespace pdmd
