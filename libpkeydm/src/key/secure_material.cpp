#include "pkeydm/key/secure_material.hpp"

#include <uapi/pkeydm/pkey_abi.h>

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/token.hpp"

namespace pkeydm {

namespace {

std::string vp_name(SecureKeyType t)
{
    return t == SecureKeyType::ep11 ? "WKVP" : "MKVP";
}

std::string which_master_keys(SecureKeyType t)
{
    return t == SecureKeyType::ep11 ? "as its CURRENT wrapping key" : "as its CURRENT or OLD master key";
}

}  // namespace

std::vector<SecureKeyPart> check_secure_xts_material(std::span<const std::uint8_t> material, unsigned xts_bits,
                                                     std::string_view what)
{
    auto parts = split_secure_xts_key(material, what);
    const auto bits = parts[0].info.bits;
    if (bits != 0 && bits != xts_bits)
        throw Error(Errc::config, std::string(what) + ": a " + std::to_string(bits) + "-bit " +
                                      std::string(secure_key_type_name(parts[0].info.type)) + " key, the device needs xts-" +
                                      std::to_string(xts_bits) + " (option xts-128/xts-256)");
    return parts;
}

SecureBuffer derive_secure_xts(std::span<const std::uint8_t> material, unsigned xts_bits, std::string_view what,
                               PkeyDevice& dev)
{
    const auto parts = check_secure_xts_material(material, xts_bits, what);
    SecureBuffer half[2];
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& p = parts[i];
        try {
            half[i] = p.info.type == SecureKeyType::cca_aesdata ? dev.sec2protk(p.bytes) : dev.kblob2protk3(p.bytes);
        } catch (const Error& e) {
            if (e.sys_errno() != ENODEV)
                throw;
            throw Error(Errc::keysource,
                        std::string(what) + (i ? " K2" : " K1") + " (" +
                            std::string(secure_key_type_name(p.info.type)) + ", " + vp_name(p.info.type) + " " +
                            p.info.mkvp + "): no online crypto card holds this key's master key " +
                            which_master_keys(p.info.type) + ", so it cannot be made a protected key (" + e.what() +
                            ")",
                        ENODEV);
        }
    }
    const auto want = xts_bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
    const auto got = parse_protkey_token(half[0].span(), "protected key from K1").keytype;
    if (got != want)
        throw Error(Errc::keysource, std::string(what) + ": K1 became an " + std::string(keytype_name(got)) +
                                         " protected key, xts-" + std::to_string(xts_bits) + " needs " +
                                         std::string(keytype_name(want)));
    return build_xts_pair(half[0].span(), half[1].span());
}

MasterKeyState secure_master_key_state(std::span<const std::uint8_t> material, std::string_view what,
                                       PkeyDevice& dev)
{
    auto worst = MasterKeyState::current;
    for (const auto& p : split_secure_keys(material, what)) {
        MasterKeyState s;
        try {
            const auto r = dev.verifykey2(p.bytes);
            s = r.flags & PKEY_FLAGS_MATCH_CUR_MKVP   ? MasterKeyState::current
                : r.flags & PKEY_FLAGS_MATCH_ALT_MKVP ? MasterKeyState::old
                                                      : MasterKeyState::unusable;
        } catch (const Error& e) {
            if (e.sys_errno() != ENODEV)
                throw;
            s = MasterKeyState::unusable;
        }
        if (static_cast<int>(s) > static_cast<int>(worst))
            worst = s;
    }
    return worst;
}

}  // namespace pkeydm
