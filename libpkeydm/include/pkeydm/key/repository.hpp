// The secure-key repository (default /etc/pdm/keys; PDM_KEY_REPOSITORY or
// --repository override), after zkey's:
//   <name>.skey  the secure key: one secure-key token (AES key) or, for XTS,
//                two, K1 (data) then K2 (tweak), end to end: CCA AESDATA
//                (64 bytes each), CCA AESCIPHER or EP11 (lengths from the
//                tokens, key/secure_key.hpp);
//   <name>.info  text, "field=value" per line: name, keytype,
//                secure-key-type (absent in older entries: cca-aesdata),
//                created, mkvp, verification-pattern (docs/formats.md).
// The verification pattern is what zkey means by the name: a pattern of the
// effective key, the same under any wrapping or master key.  pdm cannot
// compute it (that takes the key itself); the dm-paes target does, and prints
// it in its table as vp:.  The first `pdm create` with the key records it
// here, and every later table with this key carries it, so the kernel
// refuses a .skey that is not the key the pattern was recorded for.
// Entries written by older pdm versions carry a SHA-256 of the .skey in the
// same field (64 hex digits): it is ignored when read and replaced by the
// target's pattern at the next create.
// Files are 0600 in a 0700 directory, written atomically; writers hold an
// exclusive flock on <dir>/.lock, readers a shared one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/key/secure_key.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

inline constexpr const char* default_repository = "/etc/pdm/keys";

struct KeyInfo {
    std::string name;
    KeyType keytype = KeyType::aes_xts_256;  // AES_128/192/256 or AES_XTS_128/256
    std::string created;                     // ISO 8601 UTC
    SecureKeyType secure_key_type = SecureKeyType::cca_aesdata;
    std::string mkvp;  // raw token bytes: CCA MKVP 16 hex digits, EP11 WKVP 32
    std::string verification_pattern;        // 32 hex digits; empty until a create
};

struct RepositoryKey {
    SecureBuffer skey;
    KeyInfo info;
    bool trusted = false;
    std::string untrusted_reason;  // empty when trusted
};

// Shape checks of a secure key file's content for `type`; returns the
// tokens' secure-key type.
SecureKeyType check_secure_key_blob(std::span<const std::uint8_t> skey, KeyType type, std::string_view what);
std::string format_key_info(const KeyInfo& info);
KeyInfo parse_key_info(std::string_view text, std::string_view what);

class Repository {
public:
    explicit Repository(std::string dir = default_dir());
    static std::string default_dir();  // $PDM_KEY_REPOSITORY or /etc/pdm/keys

    const std::string& dir() const noexcept { return dir_; }
    // Writes .skey and .info; refuses to overwrite unless `overwrite`.
    KeyInfo store(const std::string& name, std::span<const std::uint8_t> skey, KeyType type, bool overwrite);
    // Loads and checks; an untrusted entry is returned with trusted=false.
    RepositoryKey load(const std::string& name) const;
    // load() that throws Error(verify) for an untrusted entry.
    RepositoryKey load_trusted(const std::string& name) const;
    std::vector<std::string> list() const;
    bool exists(const std::string& name) const;
    void remove(const std::string& name);
    // Records `vp` (the target's verification pattern, 32 hex digits) in the
    // .info of `name` unless it has one already; true if it wrote.
    bool record_verification_pattern(const std::string& name, const std::string& vp);

private:
    std::string path(const std::string& name, const char* ext) const;
    std::string dir_;
};

}  // namespace pkeydm
