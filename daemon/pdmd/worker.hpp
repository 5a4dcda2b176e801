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
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source.hpp"
#include "pkeydm/manager.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "card_probe.hpp"
#include "small_thread.hpp"

namespace pdmd {

struct WorkerOptions {
    // How often a secure key's master-key state is checked; 0: never.
    std::chrono::seconds master_key_check{30};
};

class DeviceWorker {
public:
    DeviceWorker(std::string name, std::string uuid, const pkeydm::ManagerConfig& cfg, WorkerOptions wo = {});
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
    std::optional<pkeydm::DeviceState> state_;
    std::optional<pkeydm::LoadedKeySource> key_;
    pkeydm::PkeyDevice pkey_;
    CardProbe card_;
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
