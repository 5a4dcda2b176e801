#include "log.hpp"

namespace pdmd {

void log_open(bool to_stderr)
{
    openlog("pdmd", LOG_PID | LOG_NDELAY | (to_stderr ? LOG_PERROR : 0), LOG_DAEMON);
}

void log(int priority, const std::string& message)
{
    syslog(priority, "%s", message.c_str());
}

}  // namespace pdmd
