// /dev/pkey: the s390 pkey driver (or its pkey_emu emulation) through its
// ioctls.  Every call that the driver may refuse transiently (EBUSY, EAGAIN:
// crypto card busy, emulation re-keying) is retried with exponential back-off.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/key/secure_key.hpp"
#include "pkeydm/key/token.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

inline constexpr const char* default_pkey_device = "/dev/pkey";
// APQN "any": card and domain chosen by the driver.
inline constexpr std::uint16_t apqn_any = 0xFFFF;

// A crypto card (adapter) and domain: layout of struct pkey_apqn.
struct Apqn {
    std::uint16_t card;
    std::uint16_t domain;
};

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

    // Secure keys of every type (the *2 ioctls), on the online cards for the
    // type (PKEY_APQNS4KT; the card enciphers under its CURRENT master key),
    // or the driver's choice where that ioctl is missing.  `bits`: 128, 192
    // or 256.
    SecureBuffer genseck2(SecureKeyType type, unsigned bits);
    SecureBuffer clr2seck2(SecureKeyType type, unsigned bits, std::span<const std::uint8_t> clearkey);
    // PKEY_VERIFYKEY2: the flags say under which of the card's master keys
    // the key is enciphered (PKEY_FLAGS_MATCH_CUR_MKVP / _ALT_MKVP); a key no
    // card can use fails with ENODEV (Error::sys_errno()).
    struct VerifyResult {
        std::uint32_t type;   // PKEY_TYPE_*
        std::uint32_t bits;   // PKEY_SIZE_*
        std::uint32_t flags;  // PKEY_FLAGS_MATCH_*
    };
    VerifyResult verifykey2(std::span<const std::uint8_t> seckey);

    const std::string& path() const noexcept { return path_; }
    // Opens the device now rather than at the first ioctl (pdmd opens it
    // when it starts watching, so that recovery opens nothing).
    void open() { fd(); }

private:
    int fd();
    void ioctl_retry(unsigned long request, void* arg, const char* name);
    // The online cards for `type`'s keys; empty when the driver cannot tell
    // (older kernels: then the driver picks); none: ENODEV.
    std::vector<Apqn> apqns_for(SecureKeyType type);
    // Cards that can convert this secure key (PKEY_APQNS4K); empty where
    // the driver cannot tell or the blob is no secure key; none: ENODEV.
    std::vector<Apqn> apqns_for_key(std::span<const std::uint8_t> blob);

    std::string path_;
    UniqueFd fd_;
};

}  // namespace pkeydm
