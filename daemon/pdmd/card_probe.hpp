// Is a crypto card there at all for a secure key's type?  When /dev/pkey
// cannot convert a secure key, the answer decides what pdmd does: with no
// card online (varied off, being serviced) the key may convert again later,
// so the device waits; with a card online that refuses the key (its master
// key changed past it) it never will, and the device's on-key-loss policy
// applies.
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
    // false only when the driver says no APQN of the key's type is online
    // (PKEY_APQNS4KT without MKVP filter lists none).  A driver that cannot
    // answer counts as "online": pdmd then trusts the conversion's error.
    bool card_online(std::span<const std::uint8_t> secure_key);

private:
    std::string path_;
    pkeydm::UniqueFd fd_;
};

// The PKEY_TYPE_* of a secure key token (CCA AESDATA, CCA AESCIPHER, EP11
// AES with header), or 0 when it is none of them.
std::uint32_t secure_key_pkey_type(std::span<const std::uint8_t> token) noexcept;

}  // namespace pdmd
