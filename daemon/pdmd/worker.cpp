#include "worker.hpp"

#include <chrono>

#include "log.hpp"
#include "pkeydm/dm.hpp"
#include "pkeydm/error.hpp"

using namespace pkeydm;

namespace pdmd {

namespace {

std::string field(const PaesStatus& st, const char* name)
{
    return std::string(st.get(name).value_or("?"));
}

}  // namespace

DeviceWorker::DeviceWorker(std::string name, std::string uuid, const ManagerConfig& cfg)
    : name_(std::move(name)), uuid_(std::move(uuid)), cfg_(cfg), thread_([this] { run(); })
{
}

DeviceWorker::~DeviceWorker()
{
    {
        std::lock_guard lk(m_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void DeviceWorker::poke()
{
    {
        std::lock_guard lk(m_);
        poked_ = true;
    }
    cv_.notify_all();
}

void DeviceWorker::wait_idle()
{
    std::unique_lock lk(m_);
    cv_.wait(lk, [this] { return stop_ || (!poked_ && !busy_); });
}

void DeviceWorker::run()
{
    auto backoff = std::chrono::seconds(1);
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
        lk.unlock();
        bool done = true;
        try {
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
            backoff = std::chrono::seconds(1);
        } else {
            // Still stale: try again even without a new event, backing off.
            if (retry)
                backoff = std::min(backoff * 2, std::chrono::seconds(30));
            retry = true;
        }
    }
}

bool DeviceWorker::prepare(bool reload)
{
    try {
        if (!state_ || reload)
            state_ = device_state_for(cfg_, name_, uuid_);
        if (!key_ || reload)
            key_ = load_key_source(state_->source, state_->options.xts_bits, cfg_.keys);
        log(LOG_INFO, "PDM_KEY_SOURCE_READY dev=" + name_ + " source=" + format_key_source(state_->source) +
                          " xts=" + std::to_string(state_->options.xts_bits) +
                          " on-key-loss=" + std::string(on_key_loss_name(state_->options.on_key_loss)) +
                          (reload ? " reloaded=yes" : ""));
        return true;
    } catch (const Error& e) {
        log(LOG_ERR, "PDM_KEY_SOURCE_FAILED dev=" + name_ + " error=\"" + e.what() + "\"");
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
        // Removed under us: the monitor drops this worker on its next scan.
        if (!dm_device_info(name_).exists)
            return true;
        throw;
    }
    if (st.key != last_) {
        defer(st.key == KeyState::valid ? LOG_INFO : LOG_WARNING,
              "PDM_KEY_STATE dev=" + name_ + " key=" + std::string(key_state_name(st.key)) + " gen=" +
                  field(st, "gen") + " parked=" + field(st, "parked") + " stale_events=" +
                  field(st, "stale_events") + " lost_blocks=" + field(st, "lost_blocks"));
        last_ = st.key;
    }
    bool done = true;
    // stale, none, and lost (key_timeout expired while stale: parked I/O
    // failed, new I/O fails fast until a key arrives) are all answered with a
    // key: the sooner it comes, the less fails.  The key goes in first and
    // the log lines after: writing a log can wait on memory or on a file whose
    // pages are on the very swap device that is waiting for this key.
    if (st.key != KeyState::valid && st.key != KeyState::unknown)
        done = regenerate(st);
    flush_deferred();
    return done;
}

RekeyResult DeviceWorker::rederive()
{
    try {
        return inject_key(name_, derive_xts_token(*key_, cfg_.keys), RekeyMode::set);
    } catch (const Error& e) {
        // The cached material may be out of date: the secure key re-enciphered
        // for a new master key, the key file replaced.  Read it again once.
        defer(LOG_WARNING, "PDM_KEY_RELOAD dev=" + name_ + " reason=\"" + e.what() + "\"");
        if (!prepare(true))
            throw;
        return inject_key(name_, derive_xts_token(*key_, cfg_.keys), RekeyMode::set);
    }
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
    try {
        const auto r = set ? rederive() : inject_key(name_, derive_xts_token(*key_, cfg_.keys), RekeyMode::replace);
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
