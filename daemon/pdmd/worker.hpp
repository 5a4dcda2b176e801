// The work of one pdm device, run in passes by the worker pool
// (worker_pool.hpp).  The monitor pokes the worker on every dm event; the
// next pass reads the status and acts.  A key that is still stale after a
// pass is tried again after a back-off, without a new event.
//
// When the worker starts it loads everything regeneration needs: the
// device's state and key material from its recovery record in the kernel
// keyring (pkeydm/config/recovery_record.hpp), or, for a device that has none yet,
// from /run/pdm/NAME.json, pdmtab and the repository, after which it writes
// the record.  It opens /dev/pkey once and keeps it.  From then on the
// recovery path opens no file: files may sit on tmpfs pages swapped out to
// the very device whose key is stale.  Only SIGHUP (reload()) reads them
// again, at a time the administrator chose.
//
// A worker whose key is a secure key (repository or random-secure) also
// asks the crypto card, every WorkerOptions::master_key_check, whether the
// key is still enciphered under its current master key: under the old one
// it still converts, but the next master-key change makes it unusable, and
// the administrator should hear that before it happens.  A key the card no
// longer converts turns the device into an ephemeral one for recovery: its
// on-key-loss policy applies, and the log says why.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source.hpp"
#include "pkeydm/manager.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkey_handles.hpp"
#include "worker_pool.hpp"

namespace pdmd {

struct WorkerOptions {
    // How often a secure key's master-key state is checked; 0: never.
    std::chrono::seconds master_key_check{30};
};

class DeviceWorker final : public PoolTask, public std::enable_shared_from_this<DeviceWorker> {
public:
    // Queued at once: the device may already be stale.
    static std::shared_ptr<DeviceWorker> start(std::string name, std::string uuid, const pkeydm::ManagerConfig& cfg,
                                               WorkerOptions wo, WorkerPool& pool, PkeyHandles& pkey);
    DeviceWorker(const DeviceWorker&) = delete;
    DeviceWorker& operator=(const DeviceWorker&) = delete;

    void poke();
    // Read state and key material from their files again on the next pass.
    void reload();
    // No pass after the one that may be running (see finished()).
    void request_stop();
    bool finished() const noexcept { return finished_.load(); }
    // Wait until the worker has handled every poke so far (for --once).
    void wait_idle();
    // A reload asked for and not yet done (a worker that failed keeps it,
    // for the one that replaces it).
    bool reload_pending();

    void run_pass() noexcept override;
    void timer_fired(std::chrono::steady_clock::time_point when) noexcept override;

private:
    DeviceWorker(std::string name, std::string uuid, const pkeydm::ManagerConfig& cfg, WorkerOptions wo,
                 WorkerPool& pool, PkeyHandles& pkey);
    // With m_ held: into the pool's queue unless already there or running.
    void enqueue_locked();
    // With m_ held, after a pass: a timer for the next retry or master-key
    // check, unless one for that time is pending.
    void schedule_locked();
    // The pass's work; false: the key is still stale, retry.
    bool work(bool handle_now, bool mk_due, bool reload);
    // A pass ended in an exception: logged, and the worker is finished.
    void failed(const char* what) noexcept;
    // Loads state and key material; false (and logged) if that failed.
    bool prepare(bool from_files);
    // true: nothing more to do; false: retry later (the key is still stale).
    bool handle();
    bool regenerate(const pkeydm::PaesStatus& st);
    // The key as the card sees it now; logs every change of that state.
    void check_master_key();
    bool checks_master_key() const noexcept;
    // The key could not be derived and set: is that for good?  Yes when the
    // device carries a replaced key, or once its key_timeout ran out while
    // a card is online that converts the key under none of its master keys.
    // Logs the reason once.
    bool key_unconvertible(const pkeydm::Error& e, const pkeydm::PaesStatus& st);
    // The verification pattern of the live table's key, or "".
    std::string live_vp() const;
    // A new random key, replacing the device's lost one (ephemeral recovery).
    bool replace_key(const pkeydm::PaesStatus& st, const std::string& why);
    // Log lines of one handle() pass, written once the key is in.
    void defer(int priority, std::string message);
    void flush_deferred();

    const std::string name_;
    const std::string uuid_;
    const pkeydm::ManagerConfig cfg_;
    const WorkerOptions wo_;
    WorkerPool& pool_;
    PkeyHandles& pkey_;
    std::optional<pkeydm::DeviceState> state_;
    std::optional<pkeydm::LoadedKeySource> key_;
    std::optional<pkeydm::MasterKeyState> mk_state_;
    // Why the key cannot be derived again, once the card said so for good;
    // from then on the device is recovered like an ephemeral one.
    std::string unconvertible_;
    // The device got a new random key in place of its secure one: the
    // secure key will never match it again.
    bool replaced_ = false;
    pkeydm::KeyState last_ = pkeydm::KeyState::unknown;
    // Since when the device has had no live table (pdm still creating it),
    // and whether that has been reported.
    std::optional<std::chrono::steady_clock::time_point> no_table_since_;
    bool no_table_reported_ = false;
    std::uint64_t last_stale_events_ = UINT64_MAX;  // stale event already reported for ephemeral/error
    bool wiped_ = false;  // saw key=none: a key wipe (or a "-" table) is left alone
    std::vector<std::pair<int, std::string>> deferred_;
    std::chrono::steady_clock::time_point handle_start_{};
    // The UUID of the device that answered the pass's status read.
    std::string live_uuid_;

    // Only passes touch what is above; passes of one device never overlap.
    // What follows is shared with the monitor and the pool, under m_.
    using clock = std::chrono::steady_clock;
    std::mutex m_;
    std::condition_variable cv_;  // wait_idle()
    bool poked_ = true;           // check once at start: the device may already be stale
    bool reload_ = false;
    bool queued_ = false;
    bool busy_ = false;
    bool stop_ = false;
    bool prepared_ = false;
    bool retry_ = false;
    std::chrono::milliseconds backoff_{0};
    clock::time_point retry_at_{};
    clock::time_point next_mk_check_{};
    std::optional<clock::time_point> timer_at_;  // the pending timer that counts
    std::atomic<bool> finished_{false};
};

}  // namespace pdmd
