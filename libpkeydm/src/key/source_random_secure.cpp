// random-secure: a new random secure XTS key per device, from the pkey sysfs
// attributes.  It is never written to a file: its only copy is the device's
// recovery record (pdm-material:<name>, kernel keyring), which pdm create
// writes with the device and which dies with the boot — as the key should.
#include "pkeydm/error.hpp"
#include "pkeydm/key/key_source_kind.hpp"
#include "pkeydm/key/secure_material.hpp"
#include "pkeydm/key/sysfs_seckey.hpp"

namespace pkeydm {

namespace {

SecureKeyType type_of(const KeySource& src)
{
    const auto t = secure_key_type_from_name(src.arg);
    if (!t)
        throw Error(Errc::config, "random-secure key type '" + src.arg + "': expected cca-aesdata, cca-aescipher or ep11");
    return *t;
}

class RandomSecure final : public KeySourceKindImpl {
public:
    bool rederivable() const noexcept override { return true; }
    bool has_secure_key() const noexcept override { return true; }

    void load(LoadedKeySource& k, const KeyContext&) const override
    {
        throw Error(Errc::not_found,
                    format_key_source(k.source) +
                        ": a random secure key lives only in its device's recovery record (pdm-material:<name> in "
                        "root's user keyring), and there is none: the key cannot be derived again");
    }

    void make_new(LoadedKeySource& k, const KeyContext& ctx) const override
    {
        const auto type = type_of(k.source);
        auto key = read_sysfs_secure_xts(type, k.xts_bits, ctx.seckey_dir);
        check_secure_xts_material(key.span(), k.xts_bits, format_key_source(k.source) + " from sysfs");
        k.material = std::move(key);
    }

    SecureBuffer derive(const LoadedKeySource& k, PkeyDevice& dev) const override
    {
        if (k.material.empty())
            throw Error(Errc::not_found, format_key_source(k.source) + ": no random secure key loaded (no recovery record)");
        const auto what = format_key_source(k.source);
        const auto parts = check_secure_xts_material(k.material.span(), k.xts_bits, what);
        if (parts[0].info.type != type_of(k.source))
            throw Error(Errc::config, what + ": the recorded key is " +
                                          std::string(secure_key_type_name(parts[0].info.type)));
        return derive_secure_xts(k.material.span(), k.xts_bits, what, dev);
    }
};

}  // namespace

const KeySourceKindImpl& random_secure_key_source()
{
    static const RandomSecure s;
    return s;
}

}  // namespace pkeydm
