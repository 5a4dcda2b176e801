// clear: a key file of raw bytes, K1 then K2, each made a protected key.
#include <cstdint>
#include <span>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/key_source_kind.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

namespace {

// Without an early exit: the bytes are key material.
bool equal_halves(std::span<const std::uint8_t> key)
{
    const std::size_t half = key.size() / 2;
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < half; ++i)
        diff |= key[i] ^ key[half + i];
    return diff == 0;
}

class Clear final : public KeySourceKindImpl {
public:
    bool rederivable() const noexcept override { return true; }

    void load(LoadedKeySource& k, const KeyContext&) const override
    {
        const auto& path = k.source.arg;
        const std::size_t half = k.xts_bits / 8;
        auto clear = read_trusted_file(path, 2 * half, FileTrust::secret, Errc::keysource);
        if (clear.size() != 2 * half)
            throw Error(Errc::config, "clear key file " + path + ": " + std::to_string(clear.size()) +
                                          " bytes, xts-" + std::to_string(k.xts_bits) + " needs " +
                                          std::to_string(2 * half) + " raw bytes");
        // dm-paes refuses such a pair too; saying it here names the file.
        if (equal_halves(clear.span()))
            throw Error(Errc::config, "clear key file " + path + ": its two halves are equal, a weak XTS key (K1 = K2)");
        k.material = std::move(clear);
    }

    SecureBuffer derive(const LoadedKeySource& k, PkeyDevice& dev) const override
    {
        const std::size_t half = k.xts_bits / 8;
        if (k.material.size() != 2 * half)
            throw Error(Errc::internal, "clear key '" + k.source.arg + "' not loaded");
        const KeyType t = k.xts_bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
        auto k1 = dev.clr2protk(t, k.material.span().first(half));
        auto k2 = dev.clr2protk(t, k.material.span().subspan(half));
        return build_xts_pair(k1.span(), k2.span());
    }
};

}  // namespace

const KeySourceKindImpl& clear_key_source()
{
    static const Clear s;
    return s;
}

}  // namespace pkeydm
