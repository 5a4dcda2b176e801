#include "worker.hpp"

#include <chrono>
#include <cstdio>

#include "io_path.hpp"
#include "kernel_reserve.hpp"
#include "log.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/device/paes_table.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/config/recovery_record.hpp"

using namespace pkeydm;

namespace pdmd {

namespace {

std::string field(const PaesStatus& st, const char* name)
{
    return std::string(st.get(name).value_or("?"));
}

std::string millis(std::chrono::steady_clock::duration d)
{
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(us) / 1000.0);
    return buf;
}

}  // namespace

namespace {

// While the key is stale every second counts against key_timeout, and a
// failed attempt costs two ioctls: retry soon, and never back off longer
// than a small part of the shortest sensible key_timeout.
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(2000);

}  // namespace

std::shared_ptr<DeviceWorker> DeviceWorker::start(std::string name, std::string uuid, const ManagerConfig& cfg,
                                                  WorkerOptions wo, WorkerPool& pool, PkeyHandles& pkey)
{
    std::shared_ptr<DeviceWorker> w(new DeviceWorker(std::move(name), std::move(uuid), cfg, wo, pool, pkey));
    std::lock_guard lk(w->m_);
    w->enqueue_locked();
    return w;
}

DeviceWorker::DeviceWorker(std::string name, std::string uuid, const ManagerConfig& cfg, WorkerOptions wo,
                           WorkerPool& pool, PkeyHandles& pkey)
    : name_(std::move(name)), uuid_(std::move(uuid)), cfg_(cfg), wo_(wo), pool_(pool), pkey_(pkey),
      backoff_(first_backoff)
{
}

void DeviceWorker::enqueue_locked()
{
    if (queued_ || busy_ || stop_)
        return;
    // Marked only once queued: a failed enqueue (no memory) leaves the
    // next poke free to try again.
    pool_.enqueue(shared_from_this());
    queued_ = true;
}

void DeviceWorker::schedule_locked()
{
    std::optional<clock::time_point> next;
    if (retry_)
        next = retry_at_;
    if (checks_master_key() && (!next || next_mk_check_ < *next))
        next = next_mk_check_;
    if (!next)
        return;
    // A timer is for later: a time already past would run pass after pass.
    if (const auto soonest = clock::now() + first_backoff; *next < soonest)
        next = soonest;
    if (next == timer_at_)
        return;
    pool_.at(*next, weak_from_this());
    timer_at_ = next;
}

void DeviceWorker::request_stop()
{
    {
        std::lock_guard lk(m_);
        stop_ = true;
        if (!queued_ && !busy_)
            finished_ = true;
    }
    cv_.notify_all();
}

void DeviceWorker::poke()
{
    {
        std::lock_guard lk(m_);
        poked_ = true;
        enqueue_locked();
    }
    cv_.notify_all();
}

void DeviceWorker::reload()
{
    {
        std::lock_guard lk(m_);
        reload_ = true;
        poked_ = true;
        enqueue_locked();
    }
    cv_.notify_all();
}

bool DeviceWorker::reload_pending()
{
    std::lock_guard lk(m_);
    return reload_;
}

void DeviceWorker::wait_idle()
{
    std::unique_lock lk(m_);
    cv_.wait(lk, [this] { return stop_ || finished_ || (!poked_ && !busy_ && !queued_); });
}

void DeviceWorker::timer_fired(clock::time_point when) noexcept
{
    std::lock_guard lk(m_);
    // A later schedule_locked() superseded this timer.
    if (timer_at_ != when)
        return;
    timer_at_.reset();
    try {
        enqueue_locked();
    } catch (...) {
        // Out of memory for the queue: try again later rather than wait
        // for the device's next event.
        try {
            const auto later = clock::now() + max_backoff;
            pool_.at(later, weak_from_this());
            timer_at_ = later;
        } catch (...) {
        }
    }
}

void DeviceWorker::run_pass() noexcept
{
    try {
        bool handle_now, mk_due, reload;
        {
            std::lock_guard lk(m_);
            queued_ = false;
            if (stop_) {
                finished_ = true;
                cv_.notify_all();
                return;
            }
            const auto now = clock::now();
            // The first check comes with the first pass, after its handle().
            mk_due = prepared_ && checks_master_key() && now >= next_mk_check_;
            const bool retry_due = retry_ && now >= retry_at_;
            if (prepared_ && !poked_ && !retry_due && !mk_due) {
                schedule_locked();
                cv_.notify_all();
                return;
            }
            // A key still stale is tried again on any pass, also one a
            // master-key check brought: a pass that did not try must not
            // end the retries.
            handle_now = std::exchange(poked_, false) || retry_;
            reload = std::exchange(reload_, false);
            busy_ = true;
        }
        const bool done = work(handle_now, mk_due, reload);
        std::lock_guard lk(m_);
        busy_ = false;
        if (done) {
            retry_ = false;
            backoff_ = first_backoff;
        } else {
            if (retry_)
                backoff_ = std::min(backoff_ * 2, max_backoff);
            retry_ = true;
            retry_at_ = clock::now() + backoff_;
        }
        if (stop_)
            finished_ = true;
        else if (poked_)
            enqueue_locked();
        else
            schedule_locked();
        cv_.notify_all();
    } catch (const std::exception& e) {
        failed(e.what());
    } catch (...) {
        failed("unknown exception");
    }
}

void DeviceWorker::failed(const char* what) noexcept
{
    try {
        log(LOG_CRIT, "PDM_WORKER_FAILED dev=" + name_ + " error=\"" + what + "\"");
    } catch (...) {
    }
    // The monitor's next scan gives the device a new worker; this one
    // never runs again (stop_: no poke or reload queues it).
    std::lock_guard lk(m_);
    busy_ = false;
    stop_ = true;
    finished_ = true;
    cv_.notify_all();
}

bool DeviceWorker::work(bool handle_now, bool mk_due, bool reload)
{
    // prepare() reports its own failures.
    if (!prepared_) {
        prepare(false);
        prepared_ = true;
        next_mk_check_ = clock::now();
    }
    if (reload)
        prepare(true);
    bool done = true;
    // The key first: the check asks the card, which takes time a stale
    // device does not have.
    if (handle_now) {
        try {
            done = handle();
        } catch (const std::exception& e) {
            flush_deferred();
            log(LOG_ERR, "PDM_WORKER_ERROR dev=" + name_ + " error=\"" + e.what() + "\"");
            done = false;
        }
    }
    // Also after a failed pass: a check left due would bring the next pass
    // at once, and with it the same failure.
    if (mk_due || (checks_master_key() && clock::now() >= next_mk_check_)) {
        check_master_key();
        next_mk_check_ = clock::now() + wo_.master_key_check;
    }
    return done;
}

bool DeviceWorker::prepare(bool from_files)
{
    const char* from = "keyring";
    try {
        std::optional<RecoveryRecord> rec;
        // A random secure key exists nowhere else: a reload reads it from
        // the record too.
        const bool record_only = kind_from_uuid(uuid_) == KeySourceKind::random_secure;
        if (!replaced_)
            unconvertible_.clear();
        if (!from_files || record_only) {
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
        if (!rec && record_only) {
            // The secure key lived only in the record: nothing else can
            // derive this device's key again.
            auto s = device_state_for(cfg_, name_, uuid_);
            LoadedKeySource k;
            k.source = s.source;
            k.xts_bits = s.options.xts_bits;
            state_ = std::move(s);
            key_ = std::move(k);
            unconvertible_ = "its random secure key is gone with its recovery record (pdm-material:" + name_ +
                             " in root's user keyring)";
        } else if (rec) {
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
        if (!unconvertible_.empty())
            log(LOG_ERR, "PDM_KEY_UNCONVERTIBLE dev=" + name_ + " source=" + format_key_source(state_->source) +
                             ": " + unconvertible_ + "; after a wrapping-key change the device is recovered as an "
                             "ephemeral one (on-key-loss=" +
                             std::string(on_key_loss_name(state_->options.on_key_loss)) + ")");
        mk_state_.reset();
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
    handle_start_ = clock::now();
    PaesStatus st;
    try {
        st = paes_status(name_, live_uuid_);
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

bool DeviceWorker::checks_master_key() const noexcept
{
    return wo_.master_key_check.count() > 0 && key_ && !key_->material.empty() &&
           (key_->source.kind == KeySourceKind::secure || key_->source.kind == KeySourceKind::random_secure);
}

namespace {

std::string master_key_advice(KeySourceKind kind, MasterKeyState st)
{
    if (st == MasterKeyState::current)
        return "the key is enciphered under the crypto card's current master key";
    if (st == MasterKeyState::old) {
        return std::string("the key is enciphered under the crypto card's OLD master key: wrapping-key changes "
                           "are still recovered, but after the next master-key change it cannot be converted; ") +
               (kind == KeySourceKind::random_secure
                    ? "recreate the device (swapoff, pdm remove, pdm create) to take a key under the current one"
                    : "move the data to a key made under the current master key (pdm key generate)");
    }
    return "the crypto card cannot convert the key (no card online, or its master key is neither the card's "
           "current nor its old one): the next wrapping-key change cannot be recovered from it";
}

}  // namespace

void DeviceWorker::check_master_key()
{
    if (!checks_master_key())
        return;
    std::optional<MasterKeyState> now;
    try {
        now = master_key_state(*key_, pkey_.pkey());
    } catch (const std::exception& e) {
        log(LOG_WARNING, "PDM_MASTER_KEY_CHECK_FAILED dev=" + name_ + " error=\"" + e.what() + "\"");
        return;
    }
    if (!now || now == mk_state_)
        return;
    if (*now != MasterKeyState::unusable && !replaced_ && !unconvertible_.empty()) {
        unconvertible_.clear();
        poke();  // the device may be waiting for exactly this key
    }
    const bool first = !mk_state_;
    const auto was = mk_state_ ? std::string(master_key_state_name(*mk_state_)) : std::string("unknown");
    mk_state_ = now;
    if (first && *now == MasterKeyState::current)
        return;
    const int prio = *now == MasterKeyState::current ? LOG_INFO
                     : *now == MasterKeyState::old   ? LOG_WARNING
                                                     : LOG_ERR;
    log(prio, "PDM_MASTER_KEY dev=" + name_ + " source=" + format_key_source(state_->source) +
                  " state=" + std::string(master_key_state_name(*now)) + " was=" + was + ": " +
                  master_key_advice(key_->source.kind, *now));
}

std::string DeviceWorker::live_vp() const
{
    try {
        const auto t = dm_table(name_);
        if (t.size() == 1 && t[0].type == paes_target)
            return parse_paes_params(t[0].start, t[0].length, t[0].params).vp;
    } catch (const std::exception&) {
    }
    return {};
}

bool DeviceWorker::key_unconvertible(const Error& e, const PaesStatus& st)
{
    if (!key_ || key_->material.empty())
        return false;
    // A key put in by a replace (pdmd's own, after an earlier loss, or pdm
    // rekey --replace) has another verification pattern: the secure key can
    // never be set on this device again.
    if (const auto vp = live_vp(); !vp.empty() && !state_->vp.empty() && vp != state_->vp) {
        replaced_ = true;
        unconvertible_ = "the device's key was replaced since its secure key was recorded (verification pattern " +
                         vp + ", the secure key's is " + state_->vp + ")";
    } else {
        // Until the device's key_timeout has run out the card may come
        // back, or the card that holds the key's master key be varied on
        // again: keep trying.  An APQN list that cannot be had counts as
        // no card online.
        if (st.key != KeyState::lost || !pkey_.card().card_online(key_->material.span()))
            return false;
        std::optional<MasterKeyState> state;
        try {
            state = master_key_state(*key_, pkey_.pkey());
        } catch (const std::exception&) {
            return false;
        }
        if (state != MasterKeyState::unusable)
            return false;
        mk_state_ = state;
        unconvertible_ = "the crypto card no longer converts its secure key (its master key is neither the card's "
                         "current nor its old one: " +
                         std::string(e.what()) + ")";
    }
    defer(LOG_ERR, "PDM_KEY_UNCONVERTIBLE dev=" + name_ + " source=" + format_key_source(state_->source) + ": " +
                       unconvertible_ + "; the device is recovered as an ephemeral one (on-key-loss=" +
                       std::string(on_key_loss_name(state_->options.on_key_loss)) + ")");
    return true;
}

bool DeviceWorker::regenerate(const PaesStatus& st)
{
    if ((!state_ || !key_) && !prepare(false))
        return false;
    const auto& s = *state_;
    const std::uint64_t events = st.number_or("stale_events", 0);
    // A worker retired because its device was replaced by another of the
    // same name must not put its key into the new one: the UUID came with
    // the status that found the key stale.
    if (live_uuid_ != uuid_)
        return true;
    if (rederivable(s.source.kind) && unconvertible_.empty()) {
        // The conversion's kernel allocations find these pages free.
        release_kernel_reserve();
        try {
            // No fallback to files on failure: a token made under a wrapping
            // key that changed again meanwhile is refused, and the retry
            // (next event or back-off) derives a fresh one from the same
            // material.
            const auto t_derive = clock::now();
            const auto token = derive_xts_token(*key_, pkey_.pkey());
            const auto t_inject = clock::now();
            const auto r = inject_key(name_, token, RekeyMode::set, std::nullopt, &st);
            const auto t_end = clock::now();
            // How long the device waited on pdmd, from the status read that
            // saw it stale, and where that time went.
            defer(LOG_NOTICE, "PDM_KEY_REDERIVED dev=" + name_ + " source=" + format_key_source(s.source) +
                                  " was=" + std::string(key_state_name(st.key)) + " gen=" + field(r.after, "gen") +
                                  " key=" + std::string(key_state_name(r.after.key)) +
                                  " ms=" + millis(t_end - handle_start_) + " derive_ms=" + millis(t_inject - t_derive) +
                                  " inject_ms=" + millis(t_end - t_inject));
            last_ = r.after.key;
            return r.after.key == KeyState::valid;
        } catch (const Error& e) {
            if (!key_unconvertible(e, st)) {
                defer(LOG_ERR, "PDM_KEY_REGEN_FAILED dev=" + name_ + " source=" + format_key_source(s.source) +
                                   " error=\"" + e.what() + "\"");
                return false;
            }
        }
    }
    const std::string why = unconvertible_.empty() ? "ephemeral key lost with the wrapping key" : unconvertible_;
    if (s.options.on_key_loss == OnKeyLoss::error) {
        if (events != last_stale_events_) {
            defer(LOG_CRIT, "PDM_KEY_LOST_LEFT dev=" + name_ + " key=" + std::string(key_state_name(st.key)) +
                                " source=" + format_key_source(s.source) + " on-key-loss=error: " + why +
                                "; I/O fails until 'pdm rekey " + name_ + " --replace'");
            last_stale_events_ = events;
        }
        return true;
    }
    return replace_key(st, why);
}

bool DeviceWorker::replace_key(const PaesStatus& st, const std::string& why)
{
    release_kernel_reserve();
    try {
        // A replace names the generation it saw stale, so that it is refused
        // if a key came in meanwhile (pdm rekey by hand) instead of throwing
        // that key away.
        // An ephemeral key's maker was opened with the form of the device's
        // key; a secure key that can no longer be converted is replaced by
        // a random pair, the form its device has.
        LoadedKeySource random;
        random.source.kind = KeySourceKind::ephemeral;
        random.xts_bits = key_->xts_bits;
        const LoadedKeySource& maker = key_->source.kind == KeySourceKind::ephemeral ? *key_ : random;
        const auto r = inject_key(name_, derive_xts_token(maker, pkey_.pkey()), RekeyMode::replace,
                                  st.number_or("gen", 0), &st);
        defer(LOG_CRIT, "PDM_KEY_REPLACED dev=" + name_ + " was=" + std::string(key_state_name(st.key)) +
                            " gen=" + field(r.after, "gen") + " key=" + std::string(key_state_name(r.after.key)) +
                            " lost_blocks=" + field(r.after, "lost_blocks") +
                            " source=" + format_key_source(state_->source) + ": " + why +
                            "; data written before is gone, reads of it fail with EIO until rewritten");
        if (rederivable(state_->source.kind))
            replaced_ = true;
        last_ = r.after.key;
        return r.after.key == KeyState::valid;
    } catch (const Error& e) {
        defer(LOG_ERR, "PDM_KEY_REGEN_FAILED dev=" + name_ + " source=" + format_key_source(state_->source) +
                           " error=\"" + e.what() + "\"");
        return false;
    }
}

}  // namespace pdmd
