#include "pkeydm/key_source.hpp"

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/pkey_device.hpp"
#include "pkeydm/repository.hpp"
#include "pkeydm/sysfs_protkey.hpp"
#include "pkeydm/token.hpp"

namespace pkeydm {

namespace {

KeyType half_type(unsigned xts_bits)
{
    return xts_bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
}

void check_bits(unsigned xts_bits)
{
    if (xts_bits != 128 && xts_bits != 256)
        throw Error(Errc::usage, "XTS key size " + std::to_string(xts_bits) + ": expected 128 or 256");
}

}  // namespace

KeyContext::KeyContext()
    : pkey_device(default_pkey_device), protkey_dir(default_protkey_dir), repository(Repository::default_dir())
{
}

bool rederivable(KeySourceKind k) noexcept
{
    return k != KeySourceKind::ephemeral;
}

SecureBuffer random_xts_token(unsigned xts_bits, const KeyContext& ctx)
{
    check_bits(xts_bits);
    try {
        return read_sysfs_protkey(xts_pair_attr(xts_bits), ctx.protkey_dir);
    } catch (const Error& e) {
        // Older kernels lack the sysfs attributes but have the ioctl.
        if (e.code() != Errc::not_found)
            throw;
    }
    PkeyDevice dev(ctx.pkey_device);
    auto k1 = dev.genprotk(half_type(xts_bits));
    auto k2 = dev.genprotk(half_type(xts_bits));
    return build_xts_pair(k1.span(), k2.span());
}

SecureBuffer derive_xts_token(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    check_bits(xts_bits);
    switch (src.kind) {
    case KeySourceKind::ephemeral: return random_xts_token(xts_bits, ctx);
    case KeySourceKind::secure: {
        const Repository repo(ctx.repository);
        const auto key = repo.load_trusted(src.arg);
        const KeyType want = xts_bits == 128 ? KeyType::aes_xts_128 : KeyType::aes_xts_256;
        if (key.info.keytype != want)
            throw Error(Errc::config, "secure key '" + src.arg + "' is " + std::string(keytype_name(key.info.keytype)) +
                                          ", the device needs " + std::string(keytype_name(want)) +
                                          " (option xts-128/xts-256)");
        PkeyDevice dev(ctx.pkey_device);
        auto k1 = dev.sec2protk(key.skey.span().first(secure_key_token_size));
        auto k2 = dev.sec2protk(key.skey.span().subspan(secure_key_token_size));
        return build_xts_pair(k1.span(), k2.span());
    }
    case KeySourceKind::clear: {
        const std::size_t half = xts_bits / 8;
        const auto clear = read_file_secure(src.arg, 2 * half);
        if (clear.size() != 2 * half)
            throw Error(Errc::config, "clear key file " + src.arg + ": " + std::to_string(clear.size()) +
                                          " bytes, xts-" + std::to_string(xts_bits) + " needs " +
                                          std::to_string(2 * half) + " raw bytes");
        PkeyDevice dev(ctx.pkey_device);
        auto k1 = dev.clr2protk(half_type(xts_bits), clear.span().first(half));
        auto k2 = dev.clr2protk(half_type(xts_bits), clear.span().subspan(half));
        return build_xts_pair(k1.span(), k2.span());
    }
    }
    throw Error(Errc::internal, "unknown key source");
}

}  // namespace pkeydm
