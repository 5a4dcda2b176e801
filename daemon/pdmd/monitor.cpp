#include "monitor.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <set>

#include "log.hpp"
#include "pkeydm/dm.hpp"
#include "pkeydm/dm_events.hpp"
#include "pkeydm/error.hpp"

using namespace pkeydm;

namespace pdmd {

Monitor::Monitor(MonitorOptions o) : o_(std::move(o)) {}

void Monitor::scan(bool poke_all)
{
    std::set<std::string> seen;
    for (const auto& e : dm_list_pdm()) {
        seen.insert(e.name);
        auto it = devices_.find(e.name);
        if (it == devices_.end() || it->second.uuid != e.uuid || it->second.minor != e.minor) {
            if (it != devices_.end())
                devices_.erase(it);
            log(LOG_INFO, "PDM_DEVICE_WATCH dev=" + e.name + " uuid=" + e.uuid);
            // A new worker checks its device at once.
            devices_.emplace(e.name, Entry{e.uuid, e.event_nr, e.minor, std::make_unique<DeviceWorker>(e.name, e.uuid, o_.cfg)});
            continue;
        }
        if (poke_all || it->second.event_nr != e.event_nr) {
            it->second.event_nr = e.event_nr;
            it->second.worker->poke();
        }
    }
    for (auto it = devices_.begin(); it != devices_.end();) {
        if (!seen.count(it->first)) {
            log(LOG_INFO, "PDM_DEVICE_GONE dev=" + it->first);
            it = devices_.erase(it);
        } else {
            ++it;
        }
    }
}

int Monitor::run(int signal_fd)
{
    if (o_.once) {
        scan(true);
        for (auto& [name, e] : devices_)
            e.worker->wait_idle();
        devices_.clear();
        return 0;
    }
    DmEventPoller poller;
    scan(true);
    for (;;) {
        pollfd fds[2] = {{poller.fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
        const int n = ::poll(fds, 2, o_.rescan_seconds * 1000);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno(Errc::internal, "poll", errno);
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(signal_fd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                    log(LOG_INFO, "PDM_DAEMON_STOP signal=" + std::to_string(si.ssi_signo));
                    devices_.clear();  // joins every worker
                    return 0;
                }
                if (si.ssi_signo == SIGHUP) {
                    log(LOG_INFO, "PDM_DAEMON_RESCAN reason=SIGHUP");
                    scan(true);
                    continue;
                }
            }
        }
        // Arm before scanning so an event during the scan wakes the next poll.
        poller.arm();
        try {
            scan(n == 0);
        } catch (const Error& e) {
            log(LOG_ERR, "PDM_SCAN_FAILED error=\"" + std::string(e.what()) + "\"");
        }
    }
}

}  // namespace pdmd
