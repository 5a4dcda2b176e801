#include "pkeydm/key/pkey_device.hpp"

#include <fcntl.h>
#include <uapi/pkeydm/pkey_abi.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
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
    // The s390 driver wants the cards to try, exact ones; an empty list is
    // left to the driver where it cannot name them (pkey_emu, old kernels).
    auto apqns = apqns_for_key(key.span());
    pkey_kblob2pkey3 a{};
    a.key = key.data();
    a.keylen = static_cast<std::uint32_t>(key.size());
    a.apqns = apqns.empty() ? nullptr : reinterpret_cast<pkey_apqn*>(apqns.data());
    a.apqn_entries = static_cast<std::uint32_t>(apqns.size());
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

namespace pkeydm {

static_assert(sizeof(Apqn) == sizeof(pkey_apqn));

namespace {

constexpr std::size_t max_apqns = 256;
// The largest secure key any type makes, as the *2 ioctls' output buffer.
constexpr std::size_t seckey_buffer = 1024;

void check_bits(unsigned bits, const char* op)
{
    if (bits != 128 && bits != 192 && bits != 256)
        throw Error(Errc::usage, std::string(op) + ": AES key size " + std::to_string(bits) +
                                     ": expected 128, 192 or 256");
}

// Runs an APQNS4K/APQNS4KT query `call` on `a` with room for max_apqns.
// A kernel without the ioctl: empty, the driver picks.  No card that fits
// (an empty answer, or ENODEV) is Error(keysource, ..., ENODEV) saying
// `none`; callers that know the key's name add it.
template <typename Arg, typename Call>
std::vector<Apqn> query_apqns(Arg& a, Call&& call, const std::string& none)
{
    std::vector<Apqn> list(max_apqns);
    a.apqns = reinterpret_cast<pkey_apqn*>(list.data());
    a.apqn_entries = static_cast<std::uint32_t>(list.size());
    try {
        call();
    } catch (const Error& e) {
        if (e.sys_errno() == ENOTTY || e.sys_errno() == EINVAL || e.sys_errno() == EOPNOTSUPP)
            return {};
        // What the driver answers when no APQN fits.
        if (e.sys_errno() == ENODEV)
            throw Error(Errc::keysource, none, ENODEV);
        throw;
    }
    list.resize(std::min<std::size_t>(a.apqn_entries, list.size()));
    if (list.empty())
        throw Error(Errc::keysource, none, ENODEV);
    return list;
}

SecureBuffer checked_seckey(const SecureBuffer& buf, std::uint32_t len, SecureKeyType type, const char* op)
{
    if (len == 0 || len > buf.size())
        throw Error(Errc::keysource, std::string(op) + " returned key length " + std::to_string(len));
    const std::string what = std::string("secure key from ") + op;
    const auto info = inspect_secure_key(buf.span().first(len), what);
    if (info.type != type)
        throw Error(Errc::keysource, what + ": is " + std::string(secure_key_type_name(info.type)) + ", asked for " +
                                         std::string(secure_key_type_name(type)));
    return SecureBuffer(buf.data(), info.length);
}

}  // namespace

std::vector<Apqn> PkeyDevice::apqns_for(SecureKeyType type)
{
    // No MKVP and no flags: every online card of the type (with flags, the
    // driver would want the MKVP to match).
    pkey_apqns4keytype a{};
    a.type = pkey_type_of(type);
    a.flags = 0;
    return query_apqns(a, [&] { ioctl_retry(PKEY_APQNS4KT, &a, "PKEY_APQNS4KT"); },
                       "PKEY_APQNS4KT on " + path_ + ": no online crypto card for " +
                           std::string(secure_key_type_name(type)) + " keys");
}

std::vector<Apqn> PkeyDevice::apqns_for_key(std::span<const std::uint8_t> blob)
{
    // Only secure keys name a master key; other blobs (clear-key tokens)
    // go to the driver's choice.
    std::optional<SecureKeyTokenInfo> info;
    try {
        info = inspect_secure_key(blob);
    } catch (const Error&) {
        return {};
    }
    SecureBuffer key(blob.data(), info->length);
    pkey_apqns4key a{};
    a.key = key.data();
    a.keylen = static_cast<std::uint32_t>(key.size());
    // CCA keys convert under the CURRENT or the OLD master key, EP11 keys
    // only under the CURRENT wrapping key.
    a.flags = PKEY_FLAGS_MATCH_CUR_MKVP | (info->type == SecureKeyType::ep11 ? 0 : PKEY_FLAGS_MATCH_ALT_MKVP);
    return query_apqns(a, [&] { ioctl_retry(PKEY_APQNS4K, &a, "PKEY_APQNS4K"); },
                       "PKEY_APQNS4K on " + path_ + ": no online crypto card holds the master key of this " +
                           std::string(secure_key_type_name(info->type)) + " key (" +
                           (info->type == SecureKeyType::ep11 ? "WKVP " : "MKVP ") + info->mkvp + ")");
}

SecureBuffer PkeyDevice::genseck2(SecureKeyType type, unsigned bits)
{
    check_bits(bits, "PKEY_GENSECK2");
    auto apqns = apqns_for(type);
    SecureBuffer out(seckey_buffer);
    pkey_genseck2 a{};
    a.apqns = apqns.empty() ? nullptr : reinterpret_cast<pkey_apqn*>(apqns.data());
    a.apqn_entries = static_cast<std::uint32_t>(apqns.size());
    a.type = pkey_type_of(type);
    a.size = bits;
    // CCA AESCIPHER keys must be made exportable to CPACF, or no protected
    // key can be derived from them.
    a.keygenflags = type == SecureKeyType::cca_aescipher ? PKEY_KEYGEN_XPRT_CPAC : 0;
    a.key = out.data();
    a.keylen = static_cast<std::uint32_t>(out.size());
    ioctl_retry(PKEY_GENSECK2, &a, "PKEY_GENSECK2");
    return checked_seckey(out, a.keylen, type, "PKEY_GENSECK2");
}

SecureBuffer PkeyDevice::clr2seck2(SecureKeyType type, unsigned bits, std::span<const std::uint8_t> clearkey)
{
    check_bits(bits, "PKEY_CLR2SECK2");
    pkey_clr2seck2 a{};
    WipeOnExit<pkey_clr2seck2> w{a};
    if (clearkey.size() != bits / 8)
        throw Error(Errc::config, "clear key is " + std::to_string(clearkey.size()) + " bytes, a " +
                                      std::to_string(bits) + "-bit AES key needs " + std::to_string(bits / 8));
    auto apqns = apqns_for(type);
    SecureBuffer out(seckey_buffer);
    a.apqns = apqns.empty() ? nullptr : reinterpret_cast<pkey_apqn*>(apqns.data());
    a.apqn_entries = static_cast<std::uint32_t>(apqns.size());
    a.type = pkey_type_of(type);
    a.size = bits;
    a.keygenflags = type == SecureKeyType::cca_aescipher ? PKEY_KEYGEN_XPRT_CPAC : 0;
    std::memcpy(a.clrkey.clrkey, clearkey.data(), clearkey.size());
    a.key = out.data();
    a.keylen = static_cast<std::uint32_t>(out.size());
    ioctl_retry(PKEY_CLR2SECK2, &a, "PKEY_CLR2SECK2");
    return checked_seckey(out, a.keylen, type, "PKEY_CLR2SECK2");
}

PkeyDevice::VerifyResult PkeyDevice::verifykey2(std::span<const std::uint8_t> seckey)
{
    const auto info = inspect_secure_key(seckey);
    SecureBuffer key(seckey.data(), info.length);
    pkey_verifykey2 a{};
    a.key = key.data();
    a.keylen = static_cast<std::uint32_t>(key.size());
    a.cardnr = apqn_any;
    a.domain = apqn_any;
    ioctl_retry(PKEY_VERIFYKEY2, &a, "PKEY_VERIFYKEY2");
    return {a.type, a.size, a.flags};
}

}  // namespace pkeydm
