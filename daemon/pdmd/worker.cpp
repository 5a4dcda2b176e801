#include "worker.hpp"

#include <chrono>

#include "io_path.hpp"
#include "kernel_reserve.hpp"
#include "log.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/config/recovery_record.hpp"

using namespace pkeydm;

namespace pdmd {

namespace {

std::string field(const PaesStatus& st, const char* name)
{
    return std::string(st.get(name).value_or("?"));
}

}  // namespace

DeviceWorker::DeviceWorker(std::string name, std::string uuid, const ManagerConfig& cfg)
    : name_(std::move(name)), uuid_(std::move(uuid)), cfg_(cfg), pkey_(cfg_.keys.pkey_device),
      thread_([this] { run(); })
{
}

DeviceWorker::~DeviceWorker()
{
    request_stop();
    thread_.join();
}

void DeviceWorker::request_stop()
{
    {
        std::lock_guard lk(m_);
        stop_ = true;
    }
    cv_.notify_all();
}

void DeviceWorker::poke()
{
    {
        std::lock_guard lk(m_);
        poked_ = true;
    }
    cv_.notify_all();
}

void DeviceWorker::reload()
{
    {
        std::lock_guard lk(m_);
        reload_ = true;
        poked_ = true;
    }
    cv_.notify_all();
}

void DeviceWorker::wait_idle()
{
    std::unique_lock lk(m_);
    cv_.wait(lk, [this] { return stop_ || finished_ || (!poked_ && !busy_); });
}

void DeviceWorker::run()
{
    try {
        loop();
    } catch (const std::exception& e) {
        log(LOG_CRIT, "PDM_WORKER_FAILED dev=" + name_ + " error=\"" + e.what() + "\"");
    } catch (...) {
        log(LOG_CRIT, "PDM_WORKER_FAILED dev=" + name_ + " error=\"unknown exception\"");
    }
    std::lock_guard lk(m_);
    finished_ = true;
    cv_.notify_all();
}

void DeviceWorker::loop()
{
    if (io_flusher_expected() && !thread_is_io_flusher())
        log(LOG_CRIT, "PDM_WORKER_NOT_IO_FLUSHER dev=" + name_ +
                          ": this thread lacks PR_SET_IO_FLUSHER, its allocations may wait on swap");
    // While the key is stale every second counts against key_timeout, and a
    // failed attempt costs two ioctls: retry soon, and never back off
    // longer than a small part of the shortest sensible key_timeout.
    constexpr auto first_backoff = std::chrono::milliseconds(100);
    constexpr auto max_backoff = std::chrono::milliseconds(2000);
    std::chrono::milliseconds backoff = first_backoff;
    bool retry = false;
    prepare(false);
    std::unique_lock lk(m_);
    for (;;) {
        if (retry)
            cv_.wait_for(lk, backoff, [this] { return stop_ || poked_; });
        else
            cv_.wait(lk, [this] { return stop_ || poked_; });
        if (stop_)
            return;
        poked_ = false;
        busy_ = true;
        const bool reload = std::exchange(reload_, false);
        lk.unlock();
        bool done = true;
        try {
            if (reload)
                prepare(true);
            done = handle();
        } catch (const std::exception& e) {
            flush_deferred();
            log(LOG_ERR, "PDM_WORKER_ERROR dev=" + name_ + " error=\"" + e.what() + "\"");
            done = false;
        }
        lk.lock();
        busy_ = false;
        cv_.notify_all();
        if (done) {
            retry = false;
            backoff = first_backoff;
        } else {
            // Still stale: try again even without a new event, backing off.
            if (retry)
                backoff = std::min(backoff * 2, max_backoff);
            retry = true;
        }
    }
}

bool DeviceWorker::prepare(bool from_files)
{
    const char* from = "keyring";
    try {
        std::optional<RecoveryRecord> rec;
        if (!from_files) {
            rec = load_recovery_record(name_);
            // A record left by an older device of the same name with
            // another kind of key is not this device's.
            if (rec && kind_from_uuid(uuid_) && *kind_from_uuid(uuid_) != rec->state.source.kind) {
                log(LOG_WARNING, "PDM_RECORD_IGNORED dev=" + name_ + " uuid=" + uuid_ +
                                     ": the keyring record is for a " + format_key_source(rec->state.source) +
                                     " key");
                rec.reset();
            }
        }
        if (rec) {
            LoadedKeySource k;
            k.source = rec->state.source;
            k.xts_bits = rec->state.options.xts_bits;
            k.material = std::move(rec->material);
            state_ = std::move(rec->state);
            key_ = std::move(k);
        } else {
            from = "files";
            auto s = device_state_for(cfg_, name_, uuid_);
            auto k = load_key_source(s.source, s.options.xts_bits, cfg_.keys);
            try {
                save_recovery_record(s, k.material.span());
            } catch (const Error& e) {
                log(LOG_WARNING, "PDM_RECORD_SAVE_FAILED dev=" + name_ + " error=\"" + e.what() +
                                     "\": a pdmd restarted while the key is stale would read files");
            }
            state_ = std::move(s);
            key_ = std::move(k);
        }
        pkey_.open();
        prepare_regeneration(*key_, cfg_.keys, name_);
        log(LOG_INFO, "PDM_KEY_SOURCE_READY dev=" + name_ + " source=" + format_key_source(state_->source) +
                          " xts=" + std::to_string(state_->options.xts_bits) +
                          " on-key-loss=" + std::string(on_key_loss_name(state_->options.on_key_loss)) +
                          " from=" + from);
        return true;
    } catch (const std::exception& e) {
        log(LOG_ERR, "PDM_KEY_SOURCE_FAILED dev=" + name_ + " from=" + from + " error=\"" + e.what() + "\"");
        return false;
    }
}

void DeviceWorker::defer(int priority, std::string message)
{
    deferred_.emplace_back(priority, std::move(message));
}

void DeviceWorker::flush_deferred()
{
    for (auto& [prio, msg] : deferred_)
        log(prio, msg);
    deferred_.clear();
}

bool DeviceWorker::handle()
{
    PaesStatus st;
    try {
        st = paes_status(name_);
    } catch (const Error& e) {
        const auto info = dm_device_info(name_);
        // Removed under us: the monitor drops this worker on its next scan.
        if (!info.exists)
            return true;
        // Being created: pdm makes the device, then loads and resumes its
        // table.  Look again shortly rather than wait for an event; a device
        // left without a table (an interrupted create) is reported once.
        if (!info.live_table) {
            const auto now = std::chrono::steady_clock::now();
            if (!no_table_since_)
                no_table_since_ = now;
            else if (now - *no_table_since_ > std::chrono::seconds(10) && !std::exchange(no_table_reported_, true))
                log(LOG_WARNING, "PDM_WORKER_ERROR dev=" + name_ +
                                     " error=\"no table loaded 10 s after the device appeared; pdmd keeps looking\"");
            return false;
        }
        throw;
    }
    no_table_since_.reset();
    no_table_reported_ = false;
    if (st.key != last_) {
        defer(st.key == KeyState::valid ? LOG_INFO : LOG_WARNING,
              "PDM_KEY_STATE dev=" + name_ + " key=" + std::string(key_state_name(st.key)) + " gen=" +
                  field(st, "gen") + " parked=" + field(st, "parked") + " stale_events=" +
                  field(st, "stale_events") + " lost_blocks=" + field(st, "lost_blocks"));
        last_ = st.key;
    }
    // key=none is a "key wipe" (or a table loaded with "-"): somebody took
    // the key away on purpose, so pdmd does not put one back — nor when the
    // I/O that then waited times out and the key turns lost.  A stale key
    // (the wrapping key changed) always gets an answer.
    if (st.key == KeyState::valid || st.key == KeyState::stale)
        wiped_ = false;
    if (st.key == KeyState::none && !wiped_) {
        wiped_ = true;
        defer(LOG_NOTICE, "PDM_KEY_NONE dev=" + name_ + ": no key (key wipe, or a table without one): left alone");
    }
    bool done = true;
    // stale, and lost (key_timeout expired while stale: parked I/O failed,
    // new I/O fails fast until a key arrives) are answered with a key: the
    // sooner it comes, the less fails.  The key goes in first and the log
    // lines after: writing a log can wait on memory or on a file whose pages
    // are on the very swap device that is waiting for this key.
    if (st.key == KeyState::stale || (st.key == KeyState::lost && !wiped_))
        done = regenerate(st);
    flush_deferred();
    return done;
}

bool DeviceWorker::regenerate(const PaesStatus& st)
{
    if ((!state_ || !key_) && !prepare(false))
        return false;
    const auto& s = *state_;
    const std::uint64_t events = st.number_or("stale_events", 0);
    if (!rederivable(s.source.kind) && s.options.on_key_loss == OnKeyLoss::error) {
        if (events != last_stale_events_) {
            defer(LOG_CRIT, "PDM_KEY_LOST_LEFT dev=" + name_ + " key=" + std::string(key_state_name(st.key)) +
                              " source=ephemeral on-key-loss=error: I/O fails until 'pdm rekey " + name_ +
                              " --replace'");
            last_stale_events_ = events;
        }
        return true;
    }
    const bool set = rederivable(s.source.kind);
    // A worker retired because its device was replaced by another of the
    // same name must not put its key into the new one.
    if (const auto info = dm_device_info(name_); !info.exists || info.uuid != uuid_)
        return true;
    // The conversion's kernel allocations find these pages free.
    release_kernel_reserve();
    try {
        // No fallback to files on failure: a token made under a wrapping key
        // that changed again meanwhile is refused, and the retry (next event
        // or back-off) derives a fresh one from the same material.
        // A replace names the generation it saw stale, so that it is refused
        // if a key came in meanwhile (pdm rekey by hand) instead of throwing
        // that key away.
        const auto r = set ? inject_key(name_, derive_xts_token(*key_, pkey_), RekeyMode::set)
                           : inject_key(name_, derive_xts_token(*key_, pkey_), RekeyMode::replace,
                                        st.number_or("gen", 0));
        if (set) {
            defer(LOG_NOTICE, "PDM_KEY_REDERIVED dev=" + name_ + " source=" + format_key_source(s.source) +
                                " was=" + std::string(key_state_name(st.key)) + " gen=" + field(r.after, "gen") +
                                " key=" + std::string(key_state_name(r.after.key)));
        } else {
            defer(LOG_CRIT, "PDM_KEY_REPLACED dev=" + name_ + " was=" + std::string(key_state_name(st.key)) +
                              " gen=" + field(r.after, "gen") + " key=" + std::string(key_state_name(r.after.key)) +
                              " lost_blocks=" + field(r.after, "lost_blocks") +
                              ": ephemeral key lost with the wrapping key; data written before is gone, "
                              "reads of it fail with EIO until rewritten");
        }
        last_ = r.after.key;
        return r.after.key == KeyState::valid;
    } catch (const Error& e) {
        defer(LOG_ERR, "PDM_KEY_REGEN_FAILED dev=" + name_ + " source=" + format_key_source(s.source) + " error=\"" +
                         e.what() + "\"");
        return false;
    }
}

}  // namespace pdmd
