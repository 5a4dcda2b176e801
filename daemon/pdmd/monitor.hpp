// The event loop: one poll over /dev/mapper/control (armed with
// DM_DEV_ARM_POLL, see pkeydm/device/dm_events.hpp) and a signalfd.  Each turn is
// arm, then scan (list the pdm devices and read their event counters), then
// wait: an event after the arm wakes the next wait even when it comes while
// the scan runs, so no wake-up is lost between reading a state and waiting
// for its change.  The scan starts a worker for a new device, retires the
// worker of a removed one (without waiting for it: one slow derivation must
// not hold up the others) and pokes every worker whose device's event
// counter moved.  Without ARM_POLL (a kernel older than 4.13) pdmd rescans
// every second instead.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pkeydm/manager.hpp"
#include "worker.hpp"

namespace pdmd {

struct MonitorOptions {
    pkeydm::ManagerConfig cfg;
    int rescan_seconds = 10;
    bool once = false;  // one scan, handle every device, exit
    WorkerOptions worker;
    // Tests only: sleep this long between the scan and the wait, so a test
    // can change a device's state in exactly that window.
    std::chrono::milliseconds test_scan_delay{0};
};

class Monitor {
public:
    explicit Monitor(MonitorOptions o);
    // Returns the exit status.
    int run(int signal_fd);

private:
    void scan(bool poke_all);
    void scan_logged(bool poke_all) noexcept;
    void reap_retired();
    void retire(std::unique_ptr<DeviceWorker> w);

    MonitorOptions o_;
    struct Entry {
        std::string uuid;
        std::uint32_t event_nr;
        std::uint32_t minor;
        std::unique_ptr<DeviceWorker> worker;
    };
    std::map<std::string, Entry> devices_;
    std::vector<std::unique_ptr<DeviceWorker>> retired_;
};

}  // namespace pdmd
