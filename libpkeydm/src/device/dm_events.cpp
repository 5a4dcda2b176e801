#include "pkeydm/device/dm_events.hpp"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "pkeydm/error.hpp"

namespace pkeydm {

DmEventPoller::DmEventPoller() : fd_(::open("/dev/mapper/control", O_RDWR | O_CLOEXEC))
{
    if (!fd_)
        throw_errno(Errc::devmapper, "cannot open /dev/mapper/control", errno);
    arm();
}

void DmEventPoller::arm()
{
    // The arm state belongs to the open file, so it must be this descriptor,
    // not libdevmapper's own: hence the raw ioctl.
    dm_ioctl io;
    std::memset(&io, 0, sizeof io);
    io.version[0] = DM_VERSION_MAJOR;
    io.version[1] = 0;
    io.version[2] = 0;
    io.data_size = sizeof io;
    io.data_start = sizeof io;
    if (::ioctl(fd_.get(), DM_DEV_ARM_POLL, &io) < 0)
        throw_errno(Errc::devmapper, "DM_DEV_ARM_POLL on /dev/mapper/control", errno);
}

}  // namespace pkeydm
