#include "pkeydm/device/dm.hpp"

#include <libdevmapper.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "dm_control.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/log_sink.hpp"

namespace pkeydm {

bool udev_running()
{
    struct stat st;
    return ::stat("/run/udev/control", &st) == 0;
}

namespace {

// Serialises every use of libdevmapper in the process (see dm.hpp).
std::mutex dm_lock;

// libdevmapper's log levels are syslog's in the low three bits; the higher
// bits are its own flags.  Like its default logger, pass on errors and
// warnings only.
extern "C" void dm_log_hook(int level, const char*, int, int, const char* format, ...)
    __attribute__((format(printf, 5, 6)));
extern "C" void dm_log_hook(int level, const char*, int, int, const char* format, ...)
{
    const int priority = level & 7;
    if (priority > LOG_WARNING)
        return;
    char line[512];
    va_list ap;
    va_start(ap, format);
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    if (n < 0)
        return;
    log_to_sink(priority, line);
}

// Once per process, under dm_lock: the log hook, and no udev sync where no
// udev runs.
void dm_setup()
{
    static bool done = false;
    if (done)
        return;
    dm_log_with_errno_init(dm_log_hook);
    if (!udev_running())
        dm_udev_set_sync_support(0);
    done = true;
}

const char* op_name(int type)
{
    switch (type) {
    case DM_DEVICE_CREATE: return "create";
    case DM_DEVICE_RELOAD: return "reload";
    case DM_DEVICE_REMOVE: return "remove";
    case DM_DEVICE_SUSPEND: return "suspend";
    case DM_DEVICE_RESUME: return "resume";
    case DM_DEVICE_VERSION: return "version";
    default: return "dm task";
    }
}

// One libdevmapper task, holding dm_lock for its whole life; destroyed with
// dm_task_destroy (which wipes the ioctl buffer when dm_task_secure_data was
// set).
class DmTask {
public:
    DmTask(int type, std::string_view name);
    ~DmTask();
    DmTask(const DmTask&) = delete;
    DmTask& operator=(const DmTask&) = delete;

    dm_task* get() noexcept { return t_; }
    // Runs; on failure throws Error(devmapper) naming op and device, with the
    // ioctl's errno.
    void run();
    void secure();  // dm_task_secure_data: the task carries key material
    const std::string& name() const noexcept { return name_; }

private:
    std::unique_lock<std::mutex> lock_{dm_lock};  // first: taken before, released after the task
    dm_task* t_ = nullptr;
    std::string name_;
    const char* op_;
};

// Applies the cookie protocol around a node-changing task.
class UdevCookie {
public:
    explicit UdevCookie(DmTask& t, uint16_t flags = 0)
    {
        if (!dm_task_set_cookie(t.get(), &cookie_, flags))
            throw Error(Errc::devmapper, std::string("dm_task_set_cookie failed for ") + t.name());
    }
    ~UdevCookie() { dm_udev_wait(cookie_); }
    UdevCookie(const UdevCookie&) = delete;
    UdevCookie& operator=(const UdevCookie&) = delete;

private:
    uint32_t cookie_ = 0;
};

void add_targets(DmTask& t, const std::vector<DmTarget>& table)
{
    for (const auto& tg : table)
        if (!dm_task_add_target(t.get(), tg.start, tg.length, tg.type.c_str(), tg.params.c_str()))
            throw Error(Errc::devmapper, "cannot add a " + tg.type + " target to the table of " + t.name());
}

}  // namespace

DmTask::DmTask(int type, std::string_view name) : name_(name), op_(op_name(type))
{
    dm_setup();
    t_ = dm_task_create(type);
    if (!t_)
        throw Error(Errc::devmapper, std::string("device-mapper ") + op_ + (name_.empty() ? "" : " of '" + name_ + "'") +
                                         ": device-mapper is not available (dm_task_create failed; dm_mod loaded?)");
    if (!name_.empty() && !dm_task_set_name(t_, name_.c_str())) {
        dm_task_destroy(t_);
        throw Error(Errc::devmapper, std::string("cannot set device name '") + name_ + "'");
    }
}

DmTask::~DmTask()
{
    if (t_)
        dm_task_destroy(t_);
}

void DmTask::secure()
{
    if (!dm_task_secure_data(t_))
        throw Error(Errc::devmapper, "dm_task_secure_data failed for " + name_);
}

void DmTask::run()
{
    if (dm_task_run(t_))
        return;
    // libdevmapper has logged the failure already; errno may have been
    // overwritten since the ioctl, the task keeps the ioctl's own.
    const int err = dm_task_get_errno(t_);
    throw Error(Errc::devmapper,
                std::string("device-mapper ") + op_ + " of '" + name_ + "' failed" +
                    (err ? std::string(": ") + std::strerror(err) : std::string()),
                err);
}

void dm_make_control_node_on_demand() noexcept
{
    // A version task opens the control node, making it first if need be.
    dm_control::make_missing_node_with([]() noexcept {
        try {
            DmTask t(DM_DEVICE_VERSION, "");
            t.run();
            return true;
        } catch (const std::exception&) {
            return false;
        }
    });
}

void dm_create(const std::string& name, const std::string& uuid, const std::vector<DmTarget>& table, bool secure)
{
    DmTask t(DM_DEVICE_CREATE, name);
    if (secure)
        t.secure();
    if (!uuid.empty() && !dm_task_set_uuid(t.get(), uuid.c_str()))
        throw Error(Errc::devmapper, "cannot set UUID '" + uuid + "' for " + name);
    add_targets(t, table);
    dm_task_set_add_node(t.get(), DM_ADD_NODE_ON_CREATE);
    // With a table, libdevmapper creates, loads and resumes in this one run
    // and removes the device again if the load fails.
    UdevCookie c(t);
    t.run();
}

void dm_reload(const std::string& name, const std::vector<DmTarget>& table, bool secure)
{
    DmTask t(DM_DEVICE_RELOAD, name);
    if (secure)
        t.secure();
    add_targets(t, table);
    t.run();
}

void dm_suspend(const std::string& name, bool noflush)
{
    DmTask t(DM_DEVICE_SUSPEND, name);
    if (noflush)
        dm_task_no_flush(t.get());
    t.run();
}

void dm_resume(const std::string& name)
{
    DmTask t(DM_DEVICE_RESUME, name);
    dm_task_set_add_node(t.get(), DM_ADD_NODE_ON_RESUME);
    UdevCookie c(t);
    t.run();
}

void dm_remove(const std::string& name)
{
    for (int attempt = 0;; ++attempt) {
        try {
            DmTask t(DM_DEVICE_REMOVE, name);
            dm_task_retry_remove(t.get());
            UdevCookie c(t);
            t.run();
            return;
        } catch (const Error& e) {
            // The task, and with it dm_lock, is gone here: other threads may
            // use device-mapper while this one waits.
            if (e.sys_errno() == EBUSY && attempt < 5) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            if (e.sys_errno() == ENXIO)
                throw Error(Errc::not_found, "device-mapper device '" + name + "' does not exist", ENXIO);
            throw;
        }
    }
}

}  // namespace pkeydm
