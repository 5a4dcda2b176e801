// One thread per pdm device, so a device whose key takes long to derive (a
// busy crypto card, retries) never delays another.  The monitor pokes the
// worker on every dm event; the worker reads the status and acts.
//
// When the worker starts it reads everything regeneration needs — the
// device's state (/run/pdm/NAME.json, else pdmtab, else the UUID) and the key
// material (repository secure key, clear key file) — into locked memory.  The
// regeneration itself then opens no file: those files may sit on tmpfs pages
// swapped out to the very device whose key is stale.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkeydm/key_source.hpp"
#include "pkeydm/manager.hpp"
#include "small_thread.hpp"

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
    // Reads state and key material; false (and logged) if that failed.
    bool prepare(bool reload);
    // true: nothing more to do; false: retry later (the key is still stale).
    bool handle();
    bool regenerate(const pkeydm::PaesStatus& st);
    pkeydm::RekeyResult rederive();
    // Log lines of one handle() pass, written once the key is in.
    void defer(int priority, std::string message);
    void flush_deferred();

    const std::string name_;
    const std::string uuid_;
    const pkeydm::ManagerConfig cfg_;
    std::optional<pkeydm::DeviceState> state_;
    std::optional<pkeydm::LoadedKeySource> key_;
    pkeydm::KeyState last_ = pkeydm::KeyState::unknown;
    std::uint64_t last_stale_events_ = UINT64_MAX;  // stale event already reported for ephemeral/error
    std::vector<std::pair<int, std::string>> deferred_;

    std::mutex m_;
    std::condition_variable cv_;
    bool poked_ = true;  // check once at start: the device may already be stale
    bool busy_ = false;
    bool stop_ = false;
    SmallStackThread thread_;  // last: starts once everything above exists
};

}  // namespace pdmd
