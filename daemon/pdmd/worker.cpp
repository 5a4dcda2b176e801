#include "worker.hpp"

#include <chrono>

#include "log.hpp"
#include "pkeydm/error.hpp"

using namespace pkeydm;

namespace pdmd {

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
        log(st.key == KeyState::valid ? LOG_INFO : LOG_WARNING,
            "PDM_KEY_STATE dev=" + name_ + " key=" + std::string(key_state_name(st.key)) +
                " gen=" + std::string(st.get("gen").value_or("?")) + " parked=" +
                std::string(st.get("parked").value_or("?")));
        last_ = st.key;
    }
    if (st.key == KeyState::valid || st.key == KeyState::unknown)
        return true;
    if (st.key == KeyState::lost) {
        // The target reports blocks lost by an earlier replace; nothing to derive.
        return true;
    }
    return regenerate(st);  // stale or none
}

bool DeviceWorker::regenerate(const PaesStatus& st)
{
    if (!state_) {
        try {
            state_ = device_state_for(cfg_, name_, uuid_);
        } catch (const Error& e) {
            log(LOG_ERR, "PDM_KEY_REGEN_FAILED dev=" + name_ + " error=\"" + e.what() + "\"");
            return false;
        }
    }
    const auto& s = *state_;
    const std::uint64_t events = st.number_or("stale_events", 0);
    if (!rederivable(s.source.kind) && s.options.on_key_loss == OnKeyLoss::error) {
        if (events != last_stale_events_) {
            log(LOG_CRIT, "PDM_KEY_LOST_LEFT dev=" + name_ +
                              " source=ephemeral on-key-loss=error: I/O fails until 'pdm rekey " + name_ +
                              " --replace'");
            last_stale_events_ = events;
        }
        return true;
    }
    const auto mode = rederivable(s.source.kind) ? RekeyMode::set : RekeyMode::replace;
    try {
        const auto r = rekey_device(cfg_, s, mode);
        if (mode == RekeyMode::set) {
            log(LOG_NOTICE, "PDM_KEY_REDERIVED dev=" + name_ + " source=" + format_key_source(s.source) +
                                " gen=" + std::string(r.after.get("gen").value_or("?")) +
                                " key=" + std::string(key_state_name(r.after.key)));
        } else {
            log(LOG_CRIT, "PDM_KEY_REPLACED dev=" + name_ + " gen=" + std::string(r.after.get("gen").value_or("?")) +
                              " lost_blocks=" + std::string(r.after.get("lost_blocks").value_or("?")) +
                              ": ephemeral key lost with the wrapping key; data written before is gone, "
                              "reads of it fail with EIO until rewritten");
        }
        last_ = r.after.key;
        return r.after.key == KeyState::valid;
    } catch (const Error& e) {
        log(LOG_ERR, "PDM_KEY_REGEN_FAILED dev=" + name_ + " source=" + format_key_source(s.source) + " error=\"" +
                         e.what() + "\"");
        return false;
    }
}

}  // namespace pdmd
