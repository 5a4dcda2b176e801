// /dev/pkey: the s390 pkey driver (or its pkey_emu emulation) through its
// ioctls.  Every call that the driver may refuse transiently (EBUSY, EAGAIN:
// crypto card busy, emulation re-keying) is retried with exponential back-off.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/key/token.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

inline constexpr const char* default_pkey_device = "/dev/pkey";
// APQN "any": card and domain chosen by the driver.
inline constexpr std::uint16_t apqn_any = 0xFFFF;

class PkeyDevice {
public:
    explicit PkeyDevice(std::string path = default_pkey_device);

    // Random protected key -> 80-byte token (PKEY_GENPROTK).
    SecureBuffer genprotk(KeyType type);
    // Clear key -> 80-byte protected-key token (PKEY_CLR2PROTK).
    SecureBuffer clr2protk(KeyType type, std::span<const std::uint8_t> clearkey);
    // true: the token's WKVP matches the current wrapping key (PKEY_VERIFYPROTK
    // on each protected key of a single, pair or full-XTS token).
    bool verifyprotk(std::span<const std::uint8_t> token);
    // Random secure key (PKEY_GENSECK), 64 bytes.
    SecureBuffer genseck(KeyType type, std::uint16_t card = apqn_any, std::uint16_t domain = apqn_any);
    SecureBuffer clr2seck(KeyType type, std::span<const std::uint8_t> clearkey,
                          std::uint16_t card = apqn_any, std::uint16_t domain = apqn_any);
    // Secure key -> 80-byte protected-key token.  Tries PKEY_SEC2PROTK and,
    // when the driver wants an explicit APQN, PKEY_KBLOB2PROTK3 (which picks one).
    SecureBuffer sec2protk(std::span<const std::uint8_t> seckey, std::uint16_t card = apqn_any,
                           std::uint16_t domain = apqn_any);
    // Any key blob the driver understands -> token (PKEY_KBLOB2PROTK3, APQN auto).
    SecureBuffer kblob2protk3(std::span<const std::uint8_t> blob);

    const std::string& path() const noexcept { return path_; }
    // Opens the device now rather than at the first ioctl (pdmd opens it
    // when it starts watching, so that recovery opens nothing).
    void open() { fd(); }

private:
    int fd();
    void ioctl_retry(unsigned long request, void* arg, const char* name);

    std::string path_;
    UniqueFd fd_;
};

}  // namespace pkeydm
