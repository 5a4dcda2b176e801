// secure: a secure XTS key of the repository (any secure-key type).
#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source_kind.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/key/secure_material.hpp"

namespace pkeydm {

namespace {

class Secure final : public KeySourceKindImpl {
public:
    bool rederivable() const noexcept override { return true; }
    bool has_secure_key() const noexcept override { return true; }

    void load(LoadedKeySource& k, const KeyContext& ctx) const override
    {
        const auto& name = k.source.arg;
        const Repository repo(ctx.repository);
        auto key = repo.load_trusted(name);
        const KeyType want = k.xts_bits == 128 ? KeyType::aes_xts_128 : KeyType::aes_xts_256;
        if (key.info.keytype != want)
            throw Error(Errc::config, "secure key '" + name + "' is " + std::string(keytype_name(key.info.keytype)) +
                                          ", the device needs " + std::string(keytype_name(want)) +
                                          " (option xts-128/xts-256)");
        check_secure_xts_material(key.skey.span(), k.xts_bits, "secure key '" + name + "' in " + repo.dir());
        k.material = std::move(key.skey);
        k.vp = key.info.verification_pattern;
    }

    SecureBuffer derive(const LoadedKeySource& k, PkeyDevice& dev) const override
    {
        if (k.material.empty())
            throw Error(Errc::internal, "secure key '" + k.source.arg + "' not loaded");
        return derive_secure_xts(k.material.span(), k.xts_bits, format_key_source(k.source), dev);
    }
};

}  // namespace

const KeySourceKindImpl& secure_key_source()
{
    static const Secure s;
    return s;
}

}  // namespace pkeydm
