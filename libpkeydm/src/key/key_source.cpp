#include "pkeydm/key/key_source.hpp"

#include <cerrno>
#include <cstdint>
#include <span>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

namespace {

KeyType half_type(unsigned xts_bits)
{
    return xts_bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
}

// Without an early exit: the bytes are key material.
bool equal_halves(std::span<const std::uint8_t> key)
{
    const std::size_t half = key.size() / 2;
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < half; ++i)
        diff |= key[i] ^ key[half + i];
    return diff == 0;
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

LoadedKeySource load_key_source(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    check_bits(xts_bits);
    LoadedKeySource k;
    k.source = src;
    k.xts_bits = xts_bits;
    switch (src.kind) {
    case KeySourceKind::ephemeral: return k;
    case KeySourceKind::secure: {
        const Repository repo(ctx.repository);
        auto key = repo.load_trusted(src.arg);
        const KeyType want = xts_bits == 128 ? KeyType::aes_xts_128 : KeyType::aes_xts_256;
        if (key.info.keytype != want)
            throw Error(Errc::config, "secure key '" + src.arg + "' is " + std::string(keytype_name(key.info.keytype)) +
                                          ", the device needs " + std::string(keytype_name(want)) +
                                          " (option xts-128/xts-256)");
        if (key.skey.size() != 2 * secure_key_token_size)
            throw Error(Errc::config, "secure key '" + src.arg + "' in " + repo.dir() + ": " +
                                          std::to_string(key.skey.size()) + " bytes, an XTS key has " +
                                          std::to_string(2 * secure_key_token_size));
        k.material = std::move(key.skey);
        k.vp = key.info.verification_pattern;
        return k;
    }
    case KeySourceKind::clear: {
        const std::size_t half = xts_bits / 8;
        auto clear = read_trusted_file(src.arg, 2 * half, FileTrust::secret, Errc::keysource);
        if (clear.size() != 2 * half)
            throw Error(Errc::config, "clear key file " + src.arg + ": " + std::to_string(clear.size()) +
                                          " bytes, xts-" + std::to_string(xts_bits) + " needs " +
                                          std::to_string(2 * half) + " raw bytes");
        // dm-paes refuses such a pair too; saying it here names the file.
        if (equal_halves(clear.span()))
            throw Error(Errc::config, "clear key file " + src.arg +
                                          ": its two halves are equal, a weak XTS key (K1 = K2)");
        k.material = std::move(clear);
        return k;
    }
    }
    throw Error(Errc::internal, "unknown key source");
}

SecureBuffer derive_xts_token(const LoadedKeySource& key, const KeyContext& ctx)
{
    if (key.source.kind == KeySourceKind::ephemeral)
        return random_xts_token(key.xts_bits, ctx);
    PkeyDevice dev(ctx.pkey_device);
    return derive_xts_token(key, dev);
}

SecureBuffer derive_xts_token(const LoadedKeySource& key, PkeyDevice& dev)
{
    check_bits(key.xts_bits);
    switch (key.source.kind) {
    case KeySourceKind::ephemeral: {
        auto k1 = dev.genprotk(half_type(key.xts_bits));
        auto k2 = dev.genprotk(half_type(key.xts_bits));
        return build_xts_pair(k1.span(), k2.span());
    }
    case KeySourceKind::secure: {
        if (key.material.size() != 2 * secure_key_token_size)
            throw Error(Errc::internal, "secure key '" + key.source.arg + "' not loaded");
        auto k1 = dev.sec2protk(key.material.span().first(secure_key_token_size));
        auto k2 = dev.sec2protk(key.material.span().subspan(secure_key_token_size));
        return build_xts_pair(k1.span(), k2.span());
    }
    case KeySourceKind::clear: {
        const std::size_t half = key.xts_bits / 8;
        if (key.material.size() != 2 * half)
            throw Error(Errc::internal, "clear key '" + key.source.arg + "' not loaded");
        const KeyType t = half_type(key.xts_bits);
        auto k1 = dev.clr2protk(t, key.material.span().first(half));
        auto k2 = dev.clr2protk(t, key.material.span().subspan(half));
        return build_xts_pair(k1.span(), k2.span());
    }
    }
    throw Error(Errc::internal, "unknown key source");
}

SecureBuffer derive_xts_token(const KeySource& src, unsigned xts_bits, const KeyContext& ctx)
{
    return derive_xts_token(load_key_source(src, xts_bits, ctx), ctx);
}

}  // namespace pkeydm
