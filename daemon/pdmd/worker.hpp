// One thread per pdm device, so a device whose key takes long to derive (a
// busy crypto card, retries) never delays another.  The monitor pokes the
// worker on every dm event; the worker reads the status and acts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pkeydm/manager.hpp"

namespace pdmd {

class DeviceWorker {
public:
    DeviceWorker(std::string name, std::string uuid, const pkeydm::ManagerConfig& cfg);
    ~DeviceWorker();  // stops and joins
    DeviceWorker(const DeviceWorker&) = delete;
    DeviceWorker& operator=(const DeviceWorker&) = delete;

    void poke();
    // Wait until the worker has handled every poke so far (for --once).
    void wait_idle();

private:
    void run();
    // true: nothing more to do; false: retry later (the key is still stale).
    bool handle();
    bool regenerate(const pkeydm::PaesStatus& st);

    const std::string name_;
    const std::string uuid_;
    const pkeydm::ManagerConfig cfg_;
    std::optional<pkeydm::DeviceState> state_;
    pkeydm::KeyState last_ = pkeydm::KeyState::unknown;
    std::uint64_t last_stale_events_ = UINT64_MAX;  // stale event already reported for ephemeral/error

    std::mutex m_;
    std::condition_variable cv_;
    bool poked_ = true;  // check once at start: the device may already be stale
    bool busy_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace pdmd
