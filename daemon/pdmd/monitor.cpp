#include "monitor.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>

#include "log.hpp"
#include "service_notify.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/device/dm_events.hpp"
#include "pkeydm/error.hpp"

using namespace pkeydm;

namespace pdmd {

Monitor::Monitor(MonitorOptions o) : o_(std::move(o)), pkey_(o_.cfg.keys.pkey_device)
{
    pool_.emplace(o_.threads);
}

void Monitor::shut_down() noexcept
{
    for (auto& [name, e] : devices_)
        e.worker->request_stop();
    devices_.clear();
    pool_.reset();  // joins its threads
}

void Monitor::scan(bool poke_all)
{
    // Entries this scan does not mark are devices that are gone.
    const std::uint64_t mark = ++scans_;
    for (const auto& e : dm_list_pdm()) {
        auto it = devices_.find(e.name);
        // A new device, one replaced under the same name, or one whose
        // worker thread ended (PDM_WORKER_FAILED) gets a new worker.
        if (it == devices_.end() || it->second.uuid != e.uuid || it->second.minor != e.minor ||
            it->second.worker->finished()) {
            bool reload = false;
            if (it != devices_.end()) {
                // A SIGHUP the failed worker did not get to is the new one's.
                reload = it->second.worker->finished() && it->second.worker->reload_pending();
                it->second.worker->request_stop();
                devices_.erase(it);
            }
            log(LOG_INFO, "PDM_DEVICE_WATCH dev=" + e.name + " uuid=" + e.uuid);
            // A new worker checks its device at once.
            auto w = DeviceWorker::start(e.name, e.uuid, o_.cfg, o_.worker, *pool_, pkey_);
            if (reload)
                w->reload();
            devices_.emplace(e.name, Entry{e.uuid, e.event_nr, e.minor, mark, std::move(w)});
            continue;
        }
        it->second.seen = mark;
        if (poke_all || it->second.event_nr != e.event_nr) {
            it->second.event_nr = e.event_nr;
            it->second.worker->poke();
        }
    }
    for (auto it = devices_.begin(); it != devices_.end();) {
        if (it->second.seen != mark) {
            log(LOG_INFO, "PDM_DEVICE_GONE dev=" + it->first);
            it->second.worker->request_stop();
            it = devices_.erase(it);
        } else {
            ++it;
        }
    }
}

void Monitor::scan_logged(bool poke_all) noexcept
{
    try {
        scan(poke_all);
    } catch (const std::exception& e) {
        log(LOG_ERR, "PDM_SCAN_FAILED error=\"" + std::string(e.what()) + "\"");
    }
}

int Monitor::run(int signal_fd)
{
    if (o_.once) {
        scan(true);
        for (auto& [name, e] : devices_)
            e.worker->wait_idle();
        shut_down();
        return 0;
    }
    std::optional<DmEventPoller> poller;
    using clock = std::chrono::steady_clock;
    std::chrono::milliseconds rescan(o_.rescan_seconds * 1000);
    try {
        poller.emplace();
    } catch (const Error& e) {
        log(LOG_WARNING, "PDM_DAEMON_WARN no dm event polling (" + std::string(e.what()) +
                             "): rescanning every second instead");
        rescan = std::chrono::seconds(1);
    }
    // The poller is armed from its construction on: scanning now cannot
    // miss an event, and a device created from here on is watched.
    scan_logged(true);
    notify_ready();
    const auto ping = watchdog_ping_interval();
    // Every device is poked when no event came for `rescan`.
    auto rescan_at = clock::now() + rescan;
    // The first event after a quiet spell is read at once, the next ones
    // at most every min_scan_gap.
    constexpr auto min_scan_gap = std::chrono::milliseconds(10);
    auto last_scan = clock::now() - min_scan_gap;
    for (;;) {
        if (o_.test_scan_delay.count())
            std::this_thread::sleep_for(o_.test_scan_delay);
        auto timeout = std::chrono::ceil<std::chrono::milliseconds>(rescan_at - clock::now());
        if (timeout.count() < 0)
            timeout = std::chrono::milliseconds(0);
        // The watchdog is pinged from this loop only: a loop that stops
        // turning is what systemd must see.
        if (ping && *ping < timeout)
            timeout = *ping;
        pollfd fds[2] = {{signal_fd, POLLIN, 0}, {poller ? poller->fd() : -1, POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno(Errc::internal, "poll", errno);
        }
        const auto now = clock::now();
        bool poke_all = false;
        if (n > 0) {
            rescan_at = now + rescan;
        } else if (now >= rescan_at) {
            poke_all = true;
            rescan_at = now + rescan;
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(signal_fd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                    notify_stopping();
                    log(LOG_INFO, "PDM_DAEMON_STOP signal=" + std::to_string(si.ssi_signo));
                    shut_down();
                    return 0;
                }
                if (si.ssi_signo == SIGHUP) {
                    log(LOG_INFO, "PDM_DAEMON_RELOAD reason=SIGHUP: state and key material read again");
                    for (auto& [name, e] : devices_)
                        e.worker->reload();
                    poke_all = true;
                }
            }
        }
        // A burst of events (a rotation stales every device, then each key
        // set is an event too) would otherwise cost a scan of every device
        // per event.  Events that come meanwhile are read by the scan below:
        // it follows the arm.
        if (const auto since = clock::now() - last_scan; since < min_scan_gap)
            std::this_thread::sleep_for(min_scan_gap - since);
        last_scan = clock::now();
        // Arm, then scan, then (next turn) wait.
        try {
            if (poller)
                poller->arm();
        } catch (const Error& e) {
            log(LOG_ERR, "PDM_SCAN_FAILED error=\"" + std::string(e.what()) + "\"");
        }
        scan_logged(poke_all);
        if (ping)
            notify_watchdog();
    }
}

}  // namespace pdmd
