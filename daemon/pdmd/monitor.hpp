// The event loop: one poll over /dev/mapper/control (armed with
// DM_DEV_ARM_POLL, see pkeydm/device/dm_events.hpp) and a signalfd.  Each turn is
// arm, then scan (list the pdm devices and read their event counters), then
// wait: an event after the arm wakes the next wait even when it comes while
// the scan runs, so no wake-up is lost between reading a state and waiting
// for its change.  The scan (one ioctl, see dm_list_pdm) starts a worker for
// a new device, retires the worker of a removed one (without waiting for it:
// one slow derivation must not hold up the others) and pokes every worker
// whose device's event counter moved; the worker pool runs what was poked.
// Without ARM_POLL (a kernel older than 4.13) pdmd rescans every second
// instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "pkeydm/manager.hpp"
#include "pkey_handles.hpp"
#include "worker.hpp"
#include "worker_pool.hpp"

namespace pdmd {

struct MonitorOptions {
    pkeydm::ManagerConfig cfg;
    int rescan_seconds = 10;
    bool once = false;  // one scan, handle every device, exit
    WorkerOptions worker;
    unsigned threads = WorkerPool::default_threads;
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
    // Stops every worker and the pool (a running pass ends first).
    void shut_down() noexcept;

    MonitorOptions o_;
    PkeyHandles pkey_;
    struct Entry {
        std::string uuid;
        std::uint32_t event_nr;
        std::uint32_t minor;
        std::uint64_t seen;  // the last scan that listed the device
        std::shared_ptr<DeviceWorker> worker;
    };
    std::map<std::string, Entry> devices_;
    std::uint64_t scans_ = 0;
    // Last: destroyed first, so no pass runs once the rest goes.
    std::optional<WorkerPool> pool_;
};

}  // namespace pdmd
