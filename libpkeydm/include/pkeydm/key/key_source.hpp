// Turning a pdmtab key source into a protected-key token for paes-xts.
// One file per source kind (src/key/source_*.cpp) behind one small interface
// (key/key_source_kind.hpp):
//  ephemeral      sysfs protkey_aes_{128,256}_xts (a 160-byte pair); if sysfs
//                 is missing, PKEY_GENPROTK twice.  Cannot be derived again.
//  secure         repository <name>.skey (two secure-key tokens: CCA AESDATA,
//                 CCA AESCIPHER or EP11) -> PKEY_KBLOB2PROTK3 per half -> pair.
//                 Derivable again while a card holds the key's master key.
//  clear          key file of 32 (xts-128) or 64 (xts-256) raw bytes -> first
//                 half K1, second K2 -> PKEY_CLR2PROTK per half -> pair.
//  random-secure  a new random secure XTS key from sysfs (ccadata, ccacipher
//                 or ep11), kept only in the device's recovery record in the
//                 kernel keyring; derived again like a secure key while that
//                 record exists.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pkeydm/config/pdmtab.hpp"
#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {
class PkeyDevice;
class EphemeralKeyMaker;
enum class TokenForm;
}

namespace pkeydm {

struct KeyContext {
    std::string pkey_device;
    std::string protkey_dir;
    // The pkey sysfs directory holding ccadata/, ccacipher/ and ep11/.
    std::string seckey_dir;
    std::string repository;
    KeyContext();  // the defaults (repository honours $PDM_KEY_REPOSITORY)
};

bool rederivable(KeySourceKind k) noexcept;

// A 160-byte XTS token pair, validated.
SecureBuffer derive_xts_token(const KeySource& src, unsigned xts_bits, const KeyContext& ctx);

// A key source with its material read once: the repository's secure key
// (checked, trusted), the clear key file's bytes or a random secure key, in
// locked memory.  pdmd loads one when a device appears, so deriving the key
// again after a wrapping-key change opens no file: the file could sit on the
// very swap device whose key is stale.  Ephemeral sources carry no material.
struct LoadedKeySource {
    KeySource source;
    unsigned xts_bits = 256;
    SecureBuffer material;
    // Secure: the verification pattern recorded in the repository .info
    // (empty until the first create with the key).
    std::string vp;
    // Ephemeral: the sysfs attributes, opened by open_ephemeral_key; without
    // it a new key comes from PKEY_GENPROTK (a pair).
    std::shared_ptr<EphemeralKeyMaker> ephemeral;
};
// The material of an existing key.  A random-secure key exists only in its
// device's recovery record: here it is an error (Errc::not_found) saying the
// key cannot be derived again; pdmd and pdm rekey take it from the record.
LoadedKeySource load_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx);
// For a new device: as load_key_source, but a random-secure source makes its
// new random secure key (sysfs); without a crypto card that is an error
// (Errc::keysource) that suggests ephemeral.
LoadedKeySource new_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx);
// Derives from the loaded material (ephemeral: a new random token); touches
// only /dev/pkey or sysfs protkey.
SecureBuffer derive_xts_token(const LoadedKeySource& key, const KeyContext& ctx);
// The same through a /dev/pkey descriptor the caller keeps open (pdmd opens
// it when a device appears); an ephemeral key comes from PKEY_GENPROTK.
// A secure key no card can convert (its master key is neither CURRENT nor,
// for CCA, OLD on any online card) throws Error(Errc::keysource, ..., ENODEV)
// naming the source and the MKVP/WKVP: not a transient failure.
SecureBuffer derive_xts_token(const LoadedKeySource& key, PkeyDevice& dev);
// A new ephemeral token: full-XTS where the machine has it, else a pair.
SecureBuffer random_xts_token(unsigned xts_bits, const KeyContext& ctx);
// For an ephemeral key: opens what later derive_xts_token(key, dev) calls
// read, so they open no file; `form` is the form of the device's current
// key (a new key must have it), nullopt for the best there is.  Other
// sources: nothing to do.
void open_ephemeral_key(LoadedKeySource& key, const KeyContext& ctx, std::optional<TokenForm> form);

// Under which of the crypto card's master keys a secure key is enciphered.
enum class MasterKeyState { current, old, unusable };
std::string_view master_key_state_name(MasterKeyState s) noexcept;  // "current", "old", "unusable"
// nullopt for sources without a secure key (ephemeral, clear); otherwise
// PKEY_VERIFYKEY2 on each token of the material and the worst answer
// (ENODEV: unusable).  Opens no file (`dev` may already be open).
std::optional<MasterKeyState> master_key_state(const LoadedKeySource& key, PkeyDevice& dev);

}  // namespace pkeydm
