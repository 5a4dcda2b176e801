// Waiting for dm events of many devices at once.
//
// Choice: poll(2) on our own /dev/mapper/control descriptor armed with
// DM_DEV_ARM_POLL (Linux >= 4.13), not a DM_DEVICE_WAITEVENT thread per
// device.  One descriptor wakes for an event on any device, so new devices
// need no new waiter, shutdown is one more descriptor in the same poll (no
// signalling threads stuck in an ioctl), and libdevmapper's global state is
// only used from threads that do ordinary short tasks.  A wake-up says only
// "some device had an event": the caller compares per-device event_nr (or just
// re-reads status) to see which.  Arm first, then scan, so an event between
// the scan and the next poll is never missed.
#pragma once

#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

class DmEventPoller {
public:
    DmEventPoller();  // opens /dev/mapper/control
    // Re-arm: the next poll wakes on any dm event after this call.
    void arm();
    // Descriptor to poll for POLLIN.
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
};

}  // namespace pkeydm
