// Turning a pdmtab key source into a protected-key token for paes-xts:
//  ephemeral  sysfs protkey_aes_{128,256}_xts (a 160-byte pair); if sysfs is
//             missing, PKEY_GENPROTK twice.  Cannot be derived again.
//  secure     repository <name>.skey (two 64-byte CCA AESDATA keys) ->
//             PKEY_SEC2PROTK per half -> pair.  Derivable again while the
//             crypto card's master key is unchanged.
//  clear      key file of 32 (xts-128) or 64 (xts-256) raw bytes -> first
//             half K1, second K2 -> PKEY_CLR2PROTK per half -> pair.
#pragma once

#include <string>

#include "pkeydm/config/pdmtab.hpp"
#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {
class PkeyDevice;
}

namespace pkeydm {

struct KeyContext {
    std::string pkey_device;
    std::string protkey_dir;
    std::string repository;
    KeyContext();  // the defaults (repository honours $PDM_KEY_REPOSITORY)
};

bool rederivable(KeySourceKind k) noexcept;

// A 160-byte XTS token pair, validated.
SecureBuffer derive_xts_token(const KeySource& src, unsigned xts_bits, const KeyContext& ctx);

// A key source with its material read once: the repository's secure key
// (checked, trusted) or the clear key file's bytes, in locked memory.
// pdmd loads one when a device appears, so deriving the key again after a
// wrapping-key change opens no file: the file could sit on the very swap
// device whose key is stale.  Ephemeral sources carry no material.
struct LoadedKeySource {
    KeySource source;
    unsigned xts_bits = 256;
    SecureBuffer material;
    // Secure: the verification pattern recorded in the repository .info
    // (empty until the first create with the key).
    std::string vp;
};
LoadedKeySource load_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx);
// Derives from the loaded material (ephemeral: a new random token); touches
// only /dev/pkey or sysfs protkey.
SecureBuffer derive_xts_token(const LoadedKeySource& key, const KeyContext& ctx);
// The same through a /dev/pkey descriptor the caller keeps open (pdmd opens
// it when a device appears); an ephemeral key comes from PKEY_GENPROTK.
SecureBuffer derive_xts_token(const LoadedKeySource& key, PkeyDevice& dev);
SecureBuffer random_xts_token(unsigned xts_bits, const KeyContext& ctx);

}  // namespace pkeydm
