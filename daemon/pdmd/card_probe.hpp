// Is a crypto card there at all for a secure key's type?  When /dev/pkey
// cannot convert a secure key, the answer is one of the things that decide
// what pdmd does: with no card online (varied off, being serviced) the key
// may convert again later, so the device waits; with a card online that
// converts the key under none of its master keys it may never, and once
// the device's key_timeout has run out its on-key-loss policy applies.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "pkeydm/unique_fd.hpp"

namespace pdmd {

class CardProbe {
public:
    explicit CardProbe(std::string pkey_device);
    // Opens /dev/pkey now: pdmd opens what recovery needs when it starts
    // watching a device.
    void open();
    // true only when the driver lists at least one online APQN of the key's
    // type (PKEY_APQNS4KT without MKVP filter).  Every other answer (no
    // APQN, ENODEV as the real driver gives when none fits, a driver or
    // token type that cannot be asked) is "no card": the device then waits
    // rather than lose its key.
    bool card_online(std::span<const std::uint8_t> secure_key);

private:
    std::string path_;
    pkeydm::UniqueFd fd_;
};

// The PKEY_TYPE_* of a secure key token (CCA AESDATA, CCA AESCIPHER, EP11
// AES with header), or 0 when it is none of them.
std::uint32_t secure_key_pkey_type(std::span<const std::uint8_t> token) noexcept;

}  // namespace pdmd
