// Status, table, message and info of one device by raw ioctl (dm_control.hpp).
// Answers match what libdevmapper made of them: a status or info of a
// missing device is an empty answer, not an error.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include "dm_control.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

namespace dm_control {

namespace {

bool (*node_maker)() noexcept = nullptr;

}  // namespace

void make_missing_node_with(bool (*maker)() noexcept) noexcept
{
    node_maker = maker;
}

int fd()
{
    static std::mutex m;
    static UniqueFd control;
    std::lock_guard lk(m);
    if (!control) {
        control.reset(::open("/dev/mapper/control", O_RDWR | O_CLOEXEC));
        if (!control && errno == ENOENT && node_maker && node_maker())
            control.reset(::open("/dev/mapper/control", O_RDWR | O_CLOEXEC));
        if (!control) {
            const int err = errno;
            throw_errno(Errc::devmapper, "cannot open /dev/mapper/control", err);
        }
    }
    return control.get();
}

namespace {

dm_ioctl* prepare_raw(void* buf, std::size_t bytes, const std::string& name, std::uint32_t flags)
{
    if (bytes < sizeof(dm_ioctl) || bytes > UINT32_MAX || reinterpret_cast<std::uintptr_t>(buf) % 8)
        throw Error(Errc::internal, "device-mapper ioctl buffer of " + std::to_string(bytes) +
                                        " bytes is too small, too large or not 8-byte aligned");
    if (name.size() >= DM_NAME_LEN || name.find('\0') != std::string::npos)
        throw Error(Errc::usage, "device-mapper device name '" + name + "' is longer than " +
                                     std::to_string(DM_NAME_LEN - 1) + " bytes or holds a NUL");
    std::memset(buf, 0, sizeof(dm_ioctl));
    auto* io = static_cast<dm_ioctl*>(buf);
    // Minor 0: the kernel refuses a minor newer than its own, and every
    // request here is older than the kernels pkeydm supports.
    io->version[0] = DM_VERSION_MAJOR;
    io->data_size = static_cast<std::uint32_t>(bytes);
    io->data_start = sizeof(dm_ioctl);
    io->flags = flags;
    std::memcpy(io->name, name.data(), name.size());
    return io;
}

}  // namespace

dm_ioctl* prepare(std::span<std::uint64_t> buf, const std::string& name, std::uint32_t flags)
{
    return prepare_raw(buf.data(), buf.size_bytes(), name, flags);
}

dm_ioctl* prepare(std::span<std::uint8_t> buf, const std::string& name, std::uint32_t flags)
{
    return prepare_raw(buf.data(), buf.size_bytes(), name, flags);
}

void answer_too_large(const char* op, const std::string& name)
{
    throw Error(Errc::devmapper, std::string("device-mapper ") + op + (name.empty() ? "" : " of '" + name + "'") +
                                     ": the answer does not fit in " + std::to_string(max_answer_bytes >> 20) +
                                     " MiB");
}

std::span<const char> answer(const dm_ioctl* io, std::size_t buf_bytes, const char* op)
{
    if (io->data_start < offsetof(dm_ioctl, data) || io->data_start > io->data_size || io->data_size > buf_bytes)
        throw Error(Errc::devmapper, std::string("device-mapper ") + op + ": answer sizes out of range");
    return {reinterpret_cast<const char*>(io) + io->data_start, io->data_size - io->data_start};
}

}  // namespace dm_control

std::vector<DmTarget> parse_dm_targets(std::span<const char> data, std::uint32_t count)
{
    std::vector<DmTarget> out;
    std::size_t at = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        // Only a bad answer pays for the message: this runs on every status read.
        const auto bad = [i](const char* what) {
            return Error(Errc::devmapper, "DM_TABLE_STATUS: target " + std::to_string(i) + what);
        };
        if (at > data.size() || data.size() - at < sizeof(dm_target_spec))
            throw bad(" is past the end of the answer");
        dm_target_spec spec;
        std::memcpy(&spec, data.data() + at, sizeof spec);
        const char* params = data.data() + at + sizeof spec;
        const std::size_t params_max = data.size() - at - sizeof spec;
        const std::size_t params_len = strnlen(params, params_max);
        if (params_len == params_max)
            throw bad(" has unterminated parameters");
        DmTarget t;
        t.start = spec.sector_start;
        t.length = spec.length;
        t.type.assign(spec.target_type, strnlen(spec.target_type, sizeof spec.target_type));
        t.params.assign(params, params_len);
        out.push_back(std::move(t));
        if (i + 1 < count) {
            // The kernel's offset of the next record, from the data's start,
            // after this record's parameters.
            const std::size_t end = dm_control::align8(at + sizeof spec + params_len + 1);
            if (spec.next < end || spec.next > data.size())
                throw bad(": the next target's offset is out of order");
            at = spec.next;
        }
    }
    return out;
}

namespace {

std::string failed(const char* op, const std::string& name)
{
    return std::string("device-mapper ") + op + " of '" + name + "' failed";
}

struct TableAnswer {
    std::vector<DmTarget> targets;
    std::string uuid;
};

TableAnswer table_status(const std::string& name, bool table)
{
    const char* op = table ? "table" : "status";
    // A paes status or table is a few hundred bytes: one try, almost
    // always.  Each kind starts at the size its last answer needed.
    static std::atomic<std::size_t> status_hint{4096}, table_hint{4096};
    std::vector<std::uint64_t> buf;
    const auto* io = dm_control::until_it_fits(buf, table ? table_hint : status_hint, op, name,
                                               [&](std::span<std::uint64_t> b) -> dm_ioctl* {
        auto* req = dm_control::prepare(b, name, table ? DM_STATUS_TABLE_FLAG : 0);
        if (::ioctl(dm_control::fd(), DM_TABLE_STATUS, req) < 0) {
            const int err = errno;
            if (err == ENXIO && !table)
                return nullptr;
            throw_errno(Errc::devmapper, failed(op, name), err);
        }
        return req;
    });
    TableAnswer a;
    if (!io)
        return a;
    a.uuid.assign(io->uuid, strnlen(io->uuid, sizeof io->uuid));
    // No live table: no targets, and no data area either.
    if (io->target_count > 0)
        a.targets = parse_dm_targets(dm_control::answer(io, buf.size() * sizeof buf[0], op), io->target_count);
    return a;
}

}  // namespace

std::vector<DmTarget> dm_status(const std::string& name)
{
    return table_status(name, false).targets;
}

std::vector<DmTarget> dm_status(const std::string& name, std::string& uuid)
{
    auto a = table_status(name, false);
    uuid = std::move(a.uuid);
    return std::move(a.targets);
}

std::vector<DmTarget> dm_table(const std::string& name)
{
    return table_status(name, true).targets;
}

DmDeviceInfo dm_device_info(const std::string& name)
{
    std::uint64_t buf[dm_control::align8(sizeof(dm_ioctl)) / sizeof(std::uint64_t)];
    auto* io = dm_control::prepare(buf, name, 0);
    DmDeviceInfo out;
    if (::ioctl(dm_control::fd(), DM_DEV_STATUS, io) < 0) {
        const int err = errno;
        if (err == ENXIO)
            return out;
        throw_errno(Errc::devmapper, failed("info", name), err);
    }
    out.exists = true;
    out.suspended = io->flags & DM_SUSPEND_FLAG;
    out.live_table = io->flags & DM_ACTIVE_PRESENT_FLAG;
    out.open_count = io->open_count;
    out.event_nr = io->event_nr;
    out.major = static_cast<std::uint32_t>(major(static_cast<dev_t>(io->dev)));
    out.minor = static_cast<std::uint32_t>(minor(static_cast<dev_t>(io->dev)));
    out.uuid.assign(io->uuid, strnlen(io->uuid, sizeof io->uuid));
    return out;
}

std::string dm_message(const std::string& name, std::uint64_t sector, const SecureBuffer& message)
{
    // Room for the message and a reply; paes replies are a line.  The
    // buffer is wiped when freed, and DM_SECURE_DATA_FLAG has the kernel
    // wipe its copy: the message may carry key material.
    constexpr std::size_t reply_bytes = 4096;
    const std::size_t head = sizeof(dm_ioctl) + sizeof(dm_target_msg);
    SecureBuffer buf(dm_control::align8(head + message.size() + 1 + reply_bytes));
    auto* io = dm_control::prepare(buf.span(), name, DM_SECURE_DATA_FLAG);
    dm_target_msg msg{};
    msg.sector = sector;
    std::memcpy(buf.data() + sizeof(dm_ioctl), &msg, sizeof msg);
    std::memcpy(buf.data() + head, message.data(), message.size());
    if (::ioctl(dm_control::fd(), DM_TARGET_MSG, io) < 0) {
        const int err = errno;  // callers tell EBUSY apart
        throw_errno(Errc::devmapper, failed("message", name), err);
    }
    if (!(io->flags & DM_DATA_OUT_FLAG))
        return {};
    if (io->flags & DM_BUFFER_FULL_FLAG)
        throw Error(Errc::devmapper, failed("message", name) + ": the target's reply does not fit in " +
                                         std::to_string(reply_bytes) + " bytes (the message was delivered)");
    const auto reply = dm_control::answer(io, buf.size(), "message");
    return {reply.data(), strnlen(reply.data(), reply.size())};
}

std::string dm_message(const std::string& name, std::uint64_t sector, std::string_view message)
{
    return dm_message(name, sector, SecureBuffer::concat_text({message}));
}

}  // namespace pkeydm
