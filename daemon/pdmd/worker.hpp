// One thread per pdm device, so a device whose key takes long to derive (a
// busy crypto card, retries) never delays another.  The monitor pokes the
// worker on every dm event; the worker reads the status and acts.
//
// When the worker starts it loads everything regeneration needs: the
// device's state and key material from its recovery record in the kernel
// keyring (pkeydm/config/recovery_record.hpp), or, for a device that has none yet,
// from /run/pdm/NAME.json, pdmtab and the repository, after which it writes
// the record.  It opens /dev/pkey once and keeps it.  From then on the
// recovery path opens no file: files may sit on tmpfs pages swapped out to
// the very device whose key is stale.  Only SIGHUP (reload()) reads them
// again, at a time the administrator chose.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkeydm/key/key_source.hpp"
#include "pkeydm/manager.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "small_thread.hpp"

namespace pdmd {

class DeviceWorker {
public:
    DeviceWorker(std::string name, std::string uuid, const pkeydm::ManagerConfig& cfg);
    ~DeviceWorker();  // stops and joins
    DeviceWorker(const DeviceWorker&) = delete;
    DeviceWorker& operator=(const DeviceWorker&) = delete;

    void poke();
    // Read state and key material from their files again on the next pass.
    void reload();
    // Ask the thread to end without waiting for it (see finished()).
    void request_stop();
    bool finished() const noexcept { return finished_.load(); }
    // Wait until the worker has handled every poke so far (for --once).
    void wait_idle();

private:
    void run();
    void loop();
    // Loads state and key material; false (and logged) if that failed.
    bool prepare(bool from_files);
    // true: nothing more to do; false: retry later (the key is still stale).
    bool handle();
    bool regenerate(const pkeydm::PaesStatus& st);
    // Log lines of one handle() pass, written once the key is in.
    void defer(int priority, std::string message);
    void flush_deferred();

    const std::string name_;
    const std::string uuid_;
    const pkeydm::ManagerConfig cfg_;
    std::optional<pkeydm::DeviceState> state_;
    std::optional<pkeydm::LoadedKeySource> key_;
    pkeydm::PkeyDevice pkey_;
    pkeydm::KeyState last_ = pkeydm::KeyState::unknown;
    // Since when the device has had no live table (pdm still creating it),
    // and whether that has been reported.
    std::optional<std::chrono::steady_clock::time_point> no_table_since_;
    bool no_table_reported_ = false;
    std::uint64_t last_stale_events_ = UINT64_MAX;  // stale event already reported for ephemeral/error
    bool wiped_ = false;  // saw key=none: a key wipe (or a "-" table) is left alone
    std::vector<std::pair<int, std::string>> deferred_;

    std::mutex m_;
    std::condition_variable cv_;
    bool poked_ = true;  // check once at start: the device may already be stale
    bool reload_ = false;
    bool busy_ = false;
    bool stop_ = false;
    std::atomic<bool> finished_{false};
    SmallStackThread thread_;  // last: starts once everything above exists
};

}  // namespace pdmd
