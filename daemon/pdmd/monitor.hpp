// The event loop: one poll over /dev/mapper/control (armed with
// DM_DEV_ARM_POLL, see pkeydm/dm_events.hpp) and a signalfd.  On each wake it
// re-arms, lists the pdm devices (UUID prefix PDM-), starts a worker for a new
// one, stops the worker of a removed one and pokes every worker whose
// device's event counter moved.  A periodic rescan covers events lost to a
// kernel without ARM_POLL.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "pkeydm/manager.hpp"
#include "worker.hpp"

namespace pdmd {

struct MonitorOptions {
    pkeydm::ManagerConfig cfg;
    int rescan_seconds = 10;
    bool once = false;  // one scan, handle every device, exit
};

class Monitor {
public:
    explicit Monitor(MonitorOptions o);
    // Returns the exit status.
    int run(int signal_fd);

private:
    void scan(bool poke_all);

    MonitorOptions o_;
    struct Entry {
        std::string uuid;
        std::uint32_t event_nr;
        std::uint32_t minor;
        std::unique_ptr<DeviceWorker> worker;
    };
    std::map<std::string, Entry> devices_;
};

}  // namespace pdmd
