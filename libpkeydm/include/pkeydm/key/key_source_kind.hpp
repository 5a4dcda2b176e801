// What every key source does, one implementation per file
// (src/key/source_<kind>.cpp); a new source is one new file and one line in
// key_source_kind().
#pragma once

#include "pkeydm/key/key_source.hpp"

namespace pkeydm {

class KeySourceKindImpl {
public:
    virtual ~KeySourceKindImpl() = default;
    // Whether a key lost with the wrapping key can be made again.
    virtual bool rederivable() const noexcept = 0;
    // Reads the material of an existing key into `k` (k.source, k.xts_bits set).
    virtual void load(LoadedKeySource& k, const KeyContext& ctx) const = 0;
    // Material for a new device; most sources read the same as load().
    virtual void make_new(LoadedKeySource& k, const KeyContext& ctx) const { load(k, ctx); }
    virtual SecureBuffer derive(const LoadedKeySource& k, PkeyDevice& dev) const = 0;
    // Whether the material is a secure key (master_key_state applies).
    virtual bool has_secure_key() const noexcept { return false; }
};

const KeySourceKindImpl& key_source_kind(KeySourceKind k);

const KeySourceKindImpl& ephemeral_key_source();
const KeySourceKindImpl& secure_key_source();
const KeySourceKindImpl& clear_key_source();
const KeySourceKindImpl& random_secure_key_source();

}  // namespace pkeydm
