// The /dev/pkey descriptors every device's recovery uses: one for the key
// conversions, one for the card probe, shared by all devices and pool
// threads (the driver's ioctls need no per-caller state).  Opened when the
// first device is watched, so recovery opens nothing, and never closed
// while pdmd runs: after open() the descriptors only get read.
#pragma once

#include <mutex>
#include <string>

#include "card_probe.hpp"
#include "pkeydm/key/pkey_device.hpp"

namespace pdmd {

class PkeyHandles {
public:
    explicit PkeyHandles(const std::string& path) : pkey_(path), card_(path) {}
    PkeyHandles(const PkeyHandles&) = delete;
    PkeyHandles& operator=(const PkeyHandles&) = delete;

    // Throws (naming the device) when /dev/pkey cannot be opened.
    void open()
    {
        std::lock_guard lk(m_);
        if (open_)
            return;
        pkey_.open();
        card_.open();
        open_ = true;
    }
    // Each opens first if that has not happened yet.
    pkeydm::PkeyDevice& pkey()
    {
        open();
        return pkey_;
    }
    CardProbe& card()
    {
        open();
        return card_;
    }

private:
    std::mutex m_;
    bool open_ = false;
    pkeydm::PkeyDevice pkey_;
    CardProbe card_;
};

}  // namespace pdmd
