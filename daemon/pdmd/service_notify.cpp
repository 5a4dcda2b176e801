#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace pdmd {

void notify_ready() noexcept
{
    (void)sd_notify(0, "READY=1\nSTATUS=watching pdm devices");
}

void notify_watchdog() noexcept
{
    (void)sd_notify(0, "WATCHDOG=1");
}

void notify_stopping() noexcept
{
    (void)sd_notify(0, "STOPPING=1");
}

std::optional<std::chrono::milliseconds> watchdog_ping_interval() noexcept
{
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return std::nullopt;
    // sd_watchdog_enabled(3) advises half the interval; at least 1 ms.
    return std::chrono::milliseconds(usec / 2000 ? usec / 2000 : 1);
}

}  // namespace pdmd
