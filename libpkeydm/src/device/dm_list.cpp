// The pdm devices in one ioctl: DM_LIST_DEVICES with DM_UUID_FLAG and the
// UUID prefix "PDM-" returns, for exactly those devices, name, device
// number, event counter and UUID (Linux 5.13, dm ioctl 4.45).  pdmd lists
// on every dm event; with libdevmapper's list (names only, so one INFO per
// device, each under the process-wide libdevmapper lock) a rotation of N
// devices cost O(N^2) ioctls.  Debian 12's libdevmapper cannot ask for
// UUIDs in a list, hence the raw ioctl, as for DM_DEV_ARM_POLL.  On a
// kernel that returns no UUIDs the libdevmapper list is used.
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

namespace {

constexpr std::size_t align8(std::size_t v) noexcept
{
    return (v + 7) & ~std::size_t{7};
}

// Kept open for the life of the process: pdmd lists before it watches a
// device and must open nothing afterwards.
int control_fd()
{
    static std::mutex m;
    static UniqueFd fd;
    std::lock_guard lk(m);
    if (!fd) {
        fd.reset(::open("/dev/mapper/control", O_RDWR | O_CLOEXEC));
        if (!fd)
            throw_errno(Errc::devmapper, "cannot open /dev/mapper/control", errno);
    }
    return fd.get();
}

// The records of a DM_LIST_DEVICES answer; nullopt when the kernel gave no
// UUIDs.  Every offset is checked against what the kernel said it wrote.
std::optional<std::vector<DmListEntry>> parse_list(const char* data, std::size_t size)
{
    std::vector<DmListEntry> out;
    constexpr std::size_t head = offsetof(dm_name_list, name);
    if (size < sizeof(std::uint64_t))
        return out;
    std::size_t at = 0;
    for (;;) {
        if (size - at < head)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: record past the end of the answer");
        dm_name_list rec;
        std::memcpy(&rec, data + at, head);
        if (at == 0 && rec.dev == 0)
            return out;  // no device matched
        const char* name = data + at + head;
        const std::size_t name_max = size - at - head;
        const std::size_t name_len = strnlen(name, name_max);
        if (name_len == name_max)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: unterminated device name");
        const std::size_t extra = align8(at + head + name_len + 1);
        if (extra > size || size - extra < 2 * sizeof(std::uint32_t))
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: record past the end of the answer");
        std::uint32_t ev[2];
        std::memcpy(ev, data + extra, sizeof ev);
        if (!(ev[1] & (DM_NAME_LIST_FLAG_HAS_UUID | DM_NAME_LIST_FLAG_DOESNT_HAVE_UUID)))
            return std::nullopt;
        DmListEntry e;
        e.name.assign(name, name_len);
        e.event_nr = ev[0];
        e.minor = static_cast<std::uint32_t>(minor(static_cast<dev_t>(rec.dev)));
        if (ev[1] & DM_NAME_LIST_FLAG_HAS_UUID) {
            const std::size_t u = extra + 2 * sizeof(std::uint32_t);
            const std::size_t u_len = strnlen(data + u, size - u);
            if (u_len == size - u)
                throw Error(Errc::devmapper, "DM_LIST_DEVICES: unterminated UUID of " + e.name);
            e.uuid.assign(data + u, u_len);
        }
        out.push_back(std::move(e));
        if (rec.next == 0)
            return out;
        if (rec.next > size - at)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: next record past the end of the answer");
        at += rec.next;
    }
}

std::optional<std::vector<DmListEntry>> list_by_uuid_prefix(std::string_view prefix)
{
    const int fd = control_fd();
    // Each try holds the kernel's device-name lock for writing: start at
    // the size the last answer needed.
    static std::atomic<std::size_t> last_bytes{16 * 1024};
    std::vector<std::uint64_t> buf;  // 8-byte aligned, as the records are
    for (std::size_t bytes = last_bytes.load(std::memory_order_relaxed);; bytes *= 2) {
        if (bytes > 16 * 1024 * 1024)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: the answer does not fit in 16 MiB");
        buf.assign(bytes / sizeof(std::uint64_t), 0);
        auto* io = reinterpret_cast<dm_ioctl*>(buf.data());
        io->version[0] = DM_VERSION_MAJOR;
        io->data_size = static_cast<std::uint32_t>(bytes);
        io->data_start = sizeof(dm_ioctl);
        io->flags = DM_UUID_FLAG;
        std::memcpy(io->uuid, prefix.data(), prefix.size());
        if (::ioctl(fd, DM_LIST_DEVICES, io) < 0)
            throw_errno(Errc::devmapper, "DM_LIST_DEVICES on /dev/mapper/control", errno);
        if (io->flags & DM_BUFFER_FULL_FLAG)
            continue;
        last_bytes.store(bytes, std::memory_order_relaxed);
        if (io->data_start > io->data_size || io->data_size > bytes)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: answer sizes out of range");
        const char* base = reinterpret_cast<const char*>(buf.data());
        auto out = parse_list(base + io->data_start, io->data_size - io->data_start);
        if (!out)
            return out;
        // A kernel that ignores the prefix returns every device.
        std::erase_if(*out, [&](const DmListEntry& e) { return !e.uuid.starts_with(prefix); });
        return out;
    }
}

}  // namespace

std::vector<DmListEntry> dm_list_pdm()
{
    static_assert(pdm_uuid_prefix.size() < DM_UUID_LEN);
    if (auto out = list_by_uuid_prefix(pdm_uuid_prefix))
        return std::move(*out);
    std::vector<DmListEntry> out;
    for (auto& e : dm_list())
        if (e.uuid.starts_with(pdm_uuid_prefix))
            out.push_back(std::move(e));
    return out;
}

}  // namespace pkeydm
