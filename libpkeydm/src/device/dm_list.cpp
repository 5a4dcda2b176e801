// The dm devices in one ioctl: DM_LIST_DEVICES returns name, device number,
// event counter and, since Linux 5.13 (dm ioctl 4.45), the UUID of every
// device; with DM_UUID_FLAG and the prefix "PDM-" only those devices.
// pdmd lists on every dm event; a list of names only, then an INFO per
// device, cost a rotation of N devices O(N^2) ioctls.  On a kernel that
// returns no UUIDs each listed device is asked for its own.
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "dm_control.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"

namespace pkeydm {

namespace {

struct ListAnswer {
    std::vector<DmListEntry> devices;
    bool uuids_known = true;  // false: a kernel before 5.13 left them out
};

// The records of a DM_LIST_DEVICES answer.  Every offset is checked against
// what the kernel said it wrote.
ListAnswer parse_list(const char* data, std::size_t size)
{
    ListAnswer answer;
    auto& out = answer.devices;
    constexpr std::size_t head = offsetof(dm_name_list, name);
    if (size < sizeof(std::uint64_t))
        return answer;
    std::size_t at = 0;
    for (;;) {
        if (size - at < head)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: record past the end of the answer");
        dm_name_list rec;
        std::memcpy(&rec, data + at, head);
        if (at == 0 && rec.dev == 0)
            return answer;  // no device matched
        const char* name = data + at + head;
        const std::size_t name_max = size - at - head;
        const std::size_t name_len = strnlen(name, name_max);
        if (name_len == name_max)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: unterminated device name");
        const std::size_t extra = dm_control::align8(at + head + name_len + 1);
        if (extra > size || size - extra < 2 * sizeof(std::uint32_t))
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: record past the end of the answer");
        std::uint32_t ev[2];
        std::memcpy(ev, data + extra, sizeof ev);
        if (!(ev[1] & (DM_NAME_LIST_FLAG_HAS_UUID | DM_NAME_LIST_FLAG_DOESNT_HAVE_UUID)))
            answer.uuids_known = false;
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
            return answer;
        if (rec.next > size - at)
            throw Error(Errc::devmapper, "DM_LIST_DEVICES: next record past the end of the answer");
        at += rec.next;
    }
}

// Every device, or ("PDM-") only those whose UUID starts with `prefix`
// where the kernel can tell.
ListAnswer list_devices(std::string_view prefix)
{
    // Each try holds the kernel's device-name lock for writing: start at
    // the size the last answer needed.
    static std::atomic<std::size_t> hint{16 * 1024};
    std::vector<std::uint64_t> buf;  // 8-byte aligned, as the records are
    const auto* io = dm_control::until_it_fits(buf, hint, "list", "", [&](std::span<std::uint64_t> b) {
        // DM_UUID_FLAG asks for the UUIDs; an empty prefix filters nothing.
        auto* req = dm_control::prepare(b, "", DM_UUID_FLAG);
        if (!prefix.empty())
            std::memcpy(req->uuid, prefix.data(), prefix.size());
        if (::ioctl(dm_control::fd(), DM_LIST_DEVICES, req) < 0) {
            const int err = errno;
            throw_errno(Errc::devmapper, "DM_LIST_DEVICES on /dev/mapper/control", err);
        }
        return req;
    });
    const auto data = dm_control::answer(io, buf.size() * sizeof buf[0], "list");
    auto out = parse_list(data.data(), data.size());
    // A kernel that ignores the prefix returns every device.
    if (out.uuids_known && !prefix.empty())
        std::erase_if(out.devices, [&](const DmListEntry& e) { return !e.uuid.starts_with(prefix); });
    return out;
}

// Each device asked for its UUID and event counter; one removed meanwhile,
// or that cannot be asked, is left out rather than failing the list.
std::vector<DmListEntry> with_uuids(std::vector<DmListEntry> devices)
{
    std::vector<DmListEntry> out;
    for (auto& e : devices) {
        try {
            const auto i = dm_device_info(e.name);
            if (i.exists)
                out.push_back({std::move(e.name), i.uuid, i.event_nr, i.minor});
        } catch (const Error&) {
        }
    }
    return out;
}

}  // namespace

std::vector<DmListEntry> dm_list()
{
    auto out = list_devices({});
    return out.uuids_known ? std::move(out.devices) : with_uuids(std::move(out.devices));
}

std::vector<DmListEntry> dm_list_pdm()
{
    static_assert(pdm_uuid_prefix.size() < DM_UUID_LEN);
    auto out = list_devices(pdm_uuid_prefix);
    if (!out.uuids_known)
        out.devices = with_uuids(std::move(out.devices));
    std::erase_if(out.devices, [](const DmListEntry& e) { return !e.uuid.starts_with(pdm_uuid_prefix); });
    return std::move(out.devices);
}

}  // namespace pkeydm
