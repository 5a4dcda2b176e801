#include "service_notify.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "systemd_protocol.hpp"

namespace pdmd {

namespace {

void notify(std::string_view state) noexcept
{
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (!socket || !*socket)
        return;
    (void)send_unix_datagram(socket, state);
}

// A decimal number that fills the whole string, or nullopt.
std::optional<std::uint64_t> parse_u64(const char* s) noexcept
{
    if (!s || *s < '0' || *s > '9')
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno || *end)
        return std::nullopt;
    return v;
}

}  // namespace

void notify_ready() noexcept
{
    notify("READY=1\nSTATUS=watching pdm devices");
}

void notify_watchdog() noexcept
{
    notify("WATCHDOG=1");
}

void notify_stopping() noexcept
{
    notify("STOPPING=1");
}

std::optional<std::chrono::milliseconds> watchdog_ping_interval() noexcept
{
    // As sd_watchdog_enabled(3): WATCHDOG_USEC, meant for us unless
    // WATCHDOG_PID names another process.
    const auto usec = parse_u64(std::getenv("WATCHDOG_USEC"));
    if (!usec || *usec == 0)
        return std::nullopt;
    if (const char* pid = std::getenv("WATCHDOG_PID")) {
        const auto p = parse_u64(pid);
        if (!p || *p != static_cast<std::uint64_t>(::getpid()))
            return std::nullopt;
    }
    // Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms.
    return std::chrono::milliseconds(*usec / 2000 ? *usec / 2000 : 1);
}

}  // namespace pdmd
