// ephemeral: a new random protected key each time; nothing to load.
#include "pkeydm/error.hpp"
#include "pkeydm/key/ephemeral_key.hpp"
#include "pkeydm/key/key_source_kind.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

namespace {

KeyType half_type(unsigned xts_bits)
{
    return xts_bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
}

SecureBuffer genprotk_pair(PkeyDevice& dev, unsigned xts_bits)
{
    auto k1 = dev.genprotk(half_type(xts_bits));
    auto k2 = dev.genprotk(half_type(xts_bits));
    return build_xts_pair(k1.span(), k2.span());
}

class Ephemeral final : public KeySourceKindImpl {
public:
    bool rederivable() const noexcept override { return false; }
    void load(LoadedKeySource&, const KeyContext&) const override {}
    SecureBuffer derive(const LoadedKeySource& k, PkeyDevice& dev) const override
    {
        if (k.ephemeral)
            return k.ephemeral->make(dev);
        return genprotk_pair(dev, k.xts_bits);
    }
};

}  // namespace

const KeySourceKindImpl& ephemeral_key_source()
{
    static const Ephemeral s;
    return s;
}

SecureBuffer random_xts_token(unsigned xts_bits, const KeyContext& ctx)
{
    if (xts_bits != 128 && xts_bits != 256)
        throw Error(Errc::usage, "XTS key size " + std::to_string(xts_bits) + ": expected 128 or 256");
    // Opened only if neither sysfs form is there.
    PkeyDevice dev(ctx.pkey_device);
    return EphemeralKeyMaker(xts_bits, ctx.protkey_dir).make(dev);
}

void open_ephemeral_key(LoadedKeySource& key, const KeyContext& ctx, std::optional<TokenForm> form)
{
    if (key.source.kind == KeySourceKind::ephemeral)
        key.ephemeral = std::make_shared<EphemeralKeyMaker>(key.xts_bits, ctx.protkey_dir, form);
}

}  // namespace pkeydm
