// pdmd as a Type=notify service with a watchdog (sd_notify(3)): READY=1 once
// the monitor watches every device, WATCHDOG=1 from the monitor loop itself,
// so a loop that hangs (a stuck scan, a lost poll) is what makes systemd
// restart pdmd, and STOPPING=1 on the way out.  Without NOTIFY_SOCKET (not
// started by systemd) every call does nothing.
#pragma once

#include <chrono>
#include <optional>

namespace pdmd {

void notify_ready() noexcept;
void notify_watchdog() noexcept;
void notify_stopping() noexcept;

// How often the monitor must ping: half of WatchdogSec=, or nullopt when
// systemd asked for no watchdog.
std::optional<std::chrono::milliseconds> watchdog_ping_interval() noexcept;

}  // namespace pdmd
