#include "pkeydm/key/pkey_device.hpp"

#include <fcntl.h>
#include <uapi/pkeydm/pkey_abi.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "pkeydm/error.hpp"

namespace pkeydm {

namespace {

// Wipes an ioctl argument that carried key material, whatever happens.
template <typename T>
struct WipeOnExit {
    T& v;
    ~WipeOnExit() { explicit_bzero(&v, sizeof v); }
};

SecureBuffer token_from(const pkey_protkey& pk, const char* op)
{
    const auto kt = keytype_from_u32(pk.type);
    if (!kt)
        throw Error(Errc::keysource, std::string(op) + " returned unknown protected key type " +
                                         std::to_string(pk.type));
    if (pk.len > sizeof pk.protkey)
        throw Error(Errc::keysource, std::string(op) + " returned protected key length " +
                                         std::to_string(pk.len) + " > 64");
    return build_protkey_token(*kt, {pk.protkey, pk.len});
}

void fill_protkey(pkey_protkey& pk, std::span<const std::uint8_t> token)
{
    const auto info = parse_protkey_token(token);
    if (info.len > sizeof pk.protkey)
        throw Error(Errc::config, "protected-key token: a " + std::string(keytype_name(info.keytype)) +
                                      " key (" + std::to_string(info.len) +
                                      " bytes) does not fit struct pkey_protkey (64)");
    pk.type = static_cast<std::uint32_t>(info.keytype);
    pk.len = info.len;
    std::memcpy(pk.protkey, token.data() + token_header_size, info.len);
}

}  // namespace

PkeyDevice::PkeyDevice(std::string path) : path_(std::move(path)) {}

int PkeyDevice::fd()
{
    if (!fd_) {
        fd_.reset(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd_)
            throw_errno(errno == ENOENT ? Errc::not_found : Errc::keysource,
                        "cannot open " + path_ + " (is the pkey or pkey_emu module loaded?)", errno);
    }
    return fd_.get();
}

void PkeyDevice::ioctl_retry(unsigned long request, void* arg, const char* name)
{
    auto delay = std::chrono::milliseconds(5);
    for (int attempt = 0;; ++attempt) {
        if (::ioctl(fd(), request, arg) == 0)
            return;
        const int err = errno;
        if ((err == EBUSY || err == EAGAIN || err == EINTR) && attempt < 10) {
            std::this_thread::sleep_for(delay);
            delay = std::min(delay * 2, std::chrono::milliseconds(1000));
            continue;
        }
        throw_errno(Errc::keysource, std::string("ioctl ") + name + " on " + path_, err);
    }
}

SecureBuffer PkeyDevice::genprotk(KeyType type)
{
    pkey_genprotk a{};
    WipeOnExit<pkey_genprotk> w{a};
    a.keytype = static_cast<std::uint32_t>(type);
    ioctl_retry(PKEY_GENPROTK, &a, "PKEY_GENPROTK");
    return token_from(a.protkey, "PKEY_GENPROTK");
}

SecureBuffer PkeyDevice::clr2protk(KeyType type, std::span<const std::uint8_t> clearkey)
{
    pkey_clr2protk a{};
    WipeOnExit<pkey_clr2protk> w{a};
    if (clearkey.size() != clearkey_length(type) || clearkey.size() > sizeof a.clrkey.clrkey)
        throw Error(Errc::config, "clear key is " + std::to_string(clearkey.size()) + " bytes, " +
                                      std::string(keytype_name(type)) + " needs " +
                                      std::to_string(clearkey_length(type)) + " (PKEY_CLR2PROTK takes at most 32)");
    a.keytype = static_cast<std::uint32_t>(type);
    std::memcpy(a.clrkey.clrkey, clearkey.data(), clearkey.size());
    ioctl_retry(PKEY_CLR2PROTK, &a, "PKEY_CLR2PROTK");
    return token_from(a.protkey, "PKEY_CLR2PROTK");
}

bool PkeyDevice::verifyprotk(std::span<const std::uint8_t> token)
{
    const auto info = inspect_token(token);
    const std::size_t parts = info.form == TokenForm::xts_pair ? 2 : 1;
    for (std::size_t i = 0; i < parts; ++i) {
        const auto one = parts == 2 ? token.subspan(i * protkey_token_size, protkey_token_size) : token;
        pkey_verifyprotk a{};
        WipeOnExit<pkey_verifyprotk> w{a};
        fill_protkey(a.protkey, one);
        try {
            ioctl_retry(PKEY_VERIFYPROTK, &a, "PKEY_VERIFYPROTK");
        } catch (const Error& e) {
            // "Wrapped by another wrapping key": EKEYREJECTED from the s390
            // driver and pkey_emu, EINVAL from old kernels.  The token was
            // checked above, so neither means a malformed request.
            const int err = e.sys_errno();
            if (err == EKEYREJECTED || err == EINVAL)
                return false;
            throw;
        }
    }
    return true;
}

SecureBuffer PkeyDevice::genseck(KeyType type, std::uint16_t card, std::uint16_t domain)
{
    pkey_genseck a{};
    WipeOnExit<pkey_genseck> w{a};
    a.cardnr = card;
    a.domain = domain;
    a.keytype = static_cast<std::uint32_t>(type);
    ioctl_retry(PKEY_GENSECK, &a, "PKEY_GENSECK");
    parse_secure_key_token({a.seckey.seckey, sizeof a.seckey.seckey}, "secure key from PKEY_GENSECK");
    return SecureBuffer(a.seckey.seckey, sizeof a.seckey.seckey);
}

SecureBuffer PkeyDevice::clr2seck(KeyType type, std::span<const std::uint8_t> clearkey, std::uint16_t card,
                                  std::uint16_t domain)
{
    pkey_clr2seck a{};
    WipeOnExit<pkey_clr2seck> w{a};
    if (clearkey.size() != clearkey_length(type) || clearkey.size() > sizeof a.clrkey.clrkey)
        throw Error(Errc::config, "clear key is " + std::to_string(clearkey.size()) + " bytes, " +
                                      std::string(keytype_name(type)) + " needs " +
                                      std::to_string(clearkey_length(type)));
    a.cardnr = card;
    a.domain = domain;
    a.keytype = static_cast<std::uint32_t>(type);
    std::memcpy(a.clrkey.clrkey, clearkey.data(), clearkey.size());
    ioctl_retry(PKEY_CLR2SECK, &a, "PKEY_CLR2SECK");
    parse_secure_key_token({a.seckey.seckey, sizeof a.seckey.seckey}, "secure key from PKEY_CLR2SECK");
    return SecureBuffer(a.seckey.seckey, sizeof a.seckey.seckey);
}

SecureBuffer PkeyDevice::sec2protk(std::span<const std::uint8_t> seckey, std::uint16_t card, std::uint16_t domain)
{
    parse_secure_key_token(seckey);
    pkey_sec2protk a{};
    WipeOnExit<pkey_sec2protk> w{a};
    a.cardnr = card;
    a.domain = domain;
    std::memcpy(a.seckey.seckey, seckey.data(), seckey.size());
    try {
        ioctl_retry(PKEY_SEC2PROTK, &a, "PKEY_SEC2PROTK");
    } catch (const Error& e) {
        // Real kernels send SEC2PROTK to exactly the APQN given; "any" may be
        // refused, and KBLOB2PROTK3 lets the driver choose.
        if (card == apqn_any && (e.sys_errno() == EINVAL || e.sys_errno() == ENODEV))
            return kblob2protk3(seckey);
        throw;
    }
    return token_from(a.protkey, "PKEY_SEC2PROTK");
}

SecureBuffer PkeyDevice::kblob2protk3(std::span<const std::uint8_t> blob)
{
    SecureBuffer key(blob.data(), blob.size());
    SecureBuffer out(MAXPROTKEYSIZE + 64);  // room for the largest protected key
    pkey_kblob2pkey3 a{};
    a.key = key.data();
    a.keylen = static_cast<std::uint32_t>(key.size());
    a.apqns = nullptr;
    a.apqn_entries = 0;
    a.pkeylen = static_cast<std::uint32_t>(out.size());
    a.pkey = out.data();
    ioctl_retry(PKEY_KBLOB2PROTK3, &a, "PKEY_KBLOB2PROTK3");
    const auto kt = keytype_from_u32(a.pkeytype);
    if (!kt)
        throw Error(Errc::keysource, "PKEY_KBLOB2PROTK3 returned unknown protected key type " +
                                         std::to_string(a.pkeytype));
    if (a.pkeylen > out.size())
        throw Error(Errc::keysource, "PKEY_KBLOB2PROTK3 returned length " + std::to_string(a.pkeylen));
    return build_protkey_token(*kt, out.span().first(a.pkeylen));
}

}  // namespace pkeydm
