#include "card_probe.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>

#include <uapi/pkeydm/pkey_abi.h>

#include "pkeydm/error.hpp"

namespace pdmd {

std::uint32_t secure_key_pkey_type(std::span<const std::uint8_t> token) noexcept
{
    if (token.size() < sizeof(pkey_keytoken_hdr))
        return 0;
    const std::uint8_t type = token[0], version = token[4];
    if (type == PKEY_TOKTYPE_CCA_INTERNAL && version == PKEY_TOKVER_CCA_AES)
        return PKEY_TYPE_CCA_DATA;
    if (type == PKEY_TOKTYPE_CCA_INTERNAL && version == PKEY_TOKVER_CCA_VLSC)
        return PKEY_TYPE_CCA_CIPHER;
    if (type == PKEY_TOKTYPE_NON_CCA && version == PKEY_TOKVER_EP11_AES_WITH_HEADER)
        return PKEY_TYPE_EP11_AES;
    return 0;
}

CardProbe::CardProbe(std::string pkey_device) : path_(std::move(pkey_device)) {}

void CardProbe::open()
{
    if (fd_)
        return;
    fd_ = pkeydm::UniqueFd(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_)
        pkeydm::throw_errno(pkeydm::Errc::keysource, "cannot open " + path_, errno);
}

bool CardProbe::card_online(std::span<const std::uint8_t> secure_key)
{
    const std::uint32_t type = secure_key_pkey_type(secure_key);
    if (type == 0 || !fd_)
        return false;
    pkey_apqns4keytype q{};
    q.type = type;
    q.flags = 0;  // any APQN of the type, whatever its master keys
    q.apqns = nullptr;
    q.apqn_entries = 0;  // count only
    if (::ioctl(fd_.get(), PKEY_APQNS4KT, &q) < 0)
        return false;
    return q.apqn_entries > 0;
}

}  // namespace pdmd
