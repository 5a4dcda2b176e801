// Device-mapper control.
//
// Two ways in.  The calls that make, load, suspend, resume or remove a
// device go through libdevmapper (dm.cpp), for its udev protocol.  The
// calls that only read a device or send it a message (status, table, info,
// message, list) are raw ioctls on one /dev/mapper/control descriptor
// (dm_ioctl.cpp, dm_list.cpp): pdmd needs only those, runs them from
// several threads at once, and so links no libdevmapper at all.
//
// udev: where udev runs (/run/udev/control exists) every task that makes or
// removes a node carries a cookie and is followed by dm_udev_wait, so the node
// exists (or is gone) when the call returns.  Where udev does not run (the
// test VM, an initramfs) udev sync is switched off and libdevmapper creates
// and removes /dev/mapper nodes itself; dm_udev_wait is still called because
// that is where libdevmapper applies its queued node operations.
//
// Threads: libdevmapper keeps process-global state (the control descriptor,
// the queued node operations, the log hook), so every call into it, from
// task creation to the udev wait, runs under one process-wide lock, as
// multipath-tools does with libmp_dm_lock.  A slow task (a remove waiting
// for udev) therefore delays every other thread's libdevmapper calls, not
// the raw ones.
//
// Messages libdevmapper logs go to libpkeydm's log sink (log_sink.hpp), not
// straight to stderr.  The raw calls log nothing: their errors are thrown.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {

inline constexpr std::string_view pdm_uuid_prefix = "PDM-";

bool udev_running();

// For pdm: where /dev/mapper/control is missing, the raw calls let
// libdevmapper make it (loading dm_mod), as a libdevmapper call would.
// pdmd does not call this, and so links no libdevmapper.
void dm_make_control_node_on_demand() noexcept;

struct DmTarget {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    std::string type;
    std::string params;
};

struct DmDeviceInfo {
    bool exists = false;
    bool suspended = false;
    bool live_table = false;
    int open_count = 0;
    std::uint32_t event_nr = 0;
    std::uint32_t major = 0, minor = 0;
    std::string uuid;
};

// Create the device and load `table`, then resume.  `secure` marks the task
// as carrying key material.
void dm_create(const std::string& name, const std::string& uuid, const std::vector<DmTarget>& table,
               bool secure);
void dm_reload(const std::string& name, const std::vector<DmTarget>& table, bool secure);
void dm_suspend(const std::string& name, bool noflush);
void dm_resume(const std::string& name);
// Removes with libdevmapper's retry (a closing udev probe can hold the device
// open for a moment) and our own bounded retry for EBUSY.
void dm_remove(const std::string& name);
// `message` may contain key material: it is sent from a buffer wiped when
// freed, with DM_SECURE_DATA_FLAG so the kernel wipes its copy too.
std::string dm_message(const std::string& name, std::uint64_t sector, const SecureBuffer& message);
std::string dm_message(const std::string& name, std::uint64_t sector, std::string_view message);
// A status of a device that does not exist is empty, with UUID "".
std::vector<DmTarget> dm_status(const std::string& name);
// The same, and the device's UUID from the same ioctl ("" if it has none):
// which device answered, without a second ioctl that another device of
// that name could answer.
std::vector<DmTarget> dm_status(const std::string& name, std::string& uuid);
std::vector<DmTarget> dm_table(const std::string& name);
// exists is false for a device that does not exist.
DmDeviceInfo dm_device_info(const std::string& name);
// The targets of a DM_TABLE_STATUS answer's data area (for tests).
std::vector<DmTarget> parse_dm_targets(std::span<const char> data, std::uint32_t count);

struct DmListEntry {
    std::string name;
    std::string uuid;
    std::uint32_t event_nr = 0;
    std::uint32_t minor = 0;  // tells a device re-created under the same name
};
// All dm devices, with UUIDs: one ioctl where the kernel lists UUIDs (5.13),
// else one more per device.
std::vector<DmListEntry> dm_list();
// Only devices whose UUID starts with "PDM-".
std::vector<DmListEntry> dm_list_pdm();

}  // namespace pkeydm
