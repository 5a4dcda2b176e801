#include "pkeydm/key/key_source.hpp"

#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source_kind.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/key/secure_material.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "pkeydm/key/sysfs_seckey.hpp"

namespace pkeydm {

namespace {

void check_bits(unsigned xts_bits)
{
    if (xts_bits != 128 && xts_bits != 256)
        throw Error(Errc::usage, "XTS key size " + std::to_string(xts_bits) + ": expected 128 or 256");
}

LoadedKeySource start(const KeySource& src, unsigned xts_bits)
{
    check_bits(xts_bits);
    LoadedKeySource k;
    k.source = src;
    k.xts_bits = xts_bits;
    return k;
}

}  // namespace

KeyContext::KeyContext()
    : pkey_device(default_pkey_device),
      protkey_dir(default_protkey_dir),
      seckey_dir(default_pkey_sysfs_dir),
      repository(Repository::default_dir())
{
}

const KeySourceKindImpl& key_source_kind(KeySourceKind k)
{
    switch (k) {
    case KeySourceKind::ephemeral: return ephemeral_key_source();
    case KeySourceKind::secure: return secure_key_source();
    case KeySourceKind::clear: return clear_key_source();
    case KeySourceKind::random_secure: return random_secure_key_source();
    }
    throw Error(Errc::internal, "unknown key source kind " + std::to_string(static_cast<int>(k)));
}

bool rederivable(KeySourceKind k) noexcept
{
    return key_source_kind(k).rederivable();
}

LoadedKeySource load_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    auto k = start(src, xts_bits);
    key_source_kind(src.kind).load(k, ctx);
    return k;
}

LoadedKeySource new_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    auto k = start(src, xts_bits);
    key_source_kind(src.kind).make_new(k, ctx);
    return k;
}

SecureBuffer derive_xts_token(const LoadedKeySource& key, const KeyContext& ctx)
{
    // sysfs first: older kernels lack it, so PKEY_GENPROTK stays the fallback.
    if (key.source.kind == KeySourceKind::ephemeral && !key.ephemeral)
        return random_xts_token(key.xts_bits, ctx);
    PkeyDevice dev(ctx.pkey_device);
    return derive_xts_token(key, dev);
}

SecureBuffer derive_xts_token(const LoadedKeySource& key, PkeyDevice& dev)
{
    check_bits(key.xts_bits);
    return key_source_kind(key.source.kind).derive(key, dev);
}

SecureBuffer derive_xts_token(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    return derive_xts_token(load_key_source(src, xts_bits, ctx), ctx);
}

std::string_view master_key_state_name(MasterKeyState s) noexcept
{
    switch (s) {
    case MasterKeyState::current: return "current";
    case MasterKeyState::old: return "old";
    case MasterKeyState::unusable: return "unusable";
    }
    return "?";
}

std::optional<MasterKeyState> master_key_state(const LoadedKeySource& key, PkeyDevice& dev)
{
    if (!key_source_kind(key.source.kind).has_secure_key())
        return std::nullopt;
    if (key.material.empty())
        throw Error(Errc::internal, format_key_source(key.source) + ": secure key not loaded");
    return secure_master_key_state(key.material.span(), format_key_source(key.source), dev);
}

}  // namespace pkeydm
