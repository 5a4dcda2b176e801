#include "pkeydm/log_sink.hpp"

#include <errno.h>  // program_invocation_short_name

#include <atomic>
#include <cstdio>

namespace pkeydm {

namespace {

void stderr_sink(int, std::string_view message) noexcept
{
    std::fprintf(stderr, "%s: %.*s\n", program_invocation_short_name, static_cast<int>(message.size()),
                 message.data());
}

std::atomic<LogSink> current_sink{stderr_sink};

}  // namespace

void set_log_sink(LogSink sink) noexcept
{
    current_sink.store(sink ? sink : stderr_sink);
}

void log_to_sink(int priority, std::string_view message) noexcept
{
    current_sink.load()(priority, message);
}

}  // namespace pkeydm
