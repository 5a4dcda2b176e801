#include "pkeydm/key/ephemeral_key.hpp"

#include <fcntl.h>

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"

namespace pkeydm {

namespace {

std::string full_attr(unsigned bits)
{
    return bits == 128 ? "protkey_aes_xts_128" : "protkey_aes_xts_256";
}

UniqueFd open_attr(const std::string& path)
{
    // A missing attribute is an older kernel (no full-XTS, or no sysfs at
    // all): the next form is tried.
    return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

}  // namespace

std::string_view token_form_name(TokenForm f) noexcept
{
    switch (f) {
    case TokenForm::xts_pair: return "two-key";
    case TokenForm::full_xts: return "full-xts";
    case TokenForm::single: return "single";
    }
    return "?";
}

EphemeralKeyMaker::EphemeralKeyMaker(unsigned xts_bits, const std::string& protkey_dir, std::optional<TokenForm> form)
    : bits_(xts_bits),
      form_(form),
      full_path_(protkey_dir + "/" + full_attr(xts_bits)),
      pair_path_(protkey_dir + "/" + xts_pair_attr(xts_bits))
{
    if (xts_bits != 128 && xts_bits != 256)
        throw Error(Errc::usage, "XTS key size " + std::to_string(xts_bits) + ": expected 128 or 256");
    if (form == TokenForm::single)
        throw Error(Errc::internal, "an XTS key is a pair or a full-XTS token");
    if (form != TokenForm::xts_pair)
        full_ = open_attr(full_path_);
    if (form != TokenForm::full_xts)
        pair_ = open_attr(pair_path_);
    if (form == TokenForm::full_xts && !full_)
        throw_errno(Errc::keysource, "cannot open " + full_path_ + " (the device's key is full-XTS)", errno);
}

SecureBuffer EphemeralKeyMaker::read_attr(const UniqueFd& fd, const std::string& path, std::size_t size)
{
    auto buf = read_attr_once(fd.get(), path, size);
    const auto info = parse_xts_key(buf.span());
    if (info.xts_bits != bits_)
        throw Error(Errc::keysource, "read " + path + ": an XTS-" + std::to_string(info.xts_bits) + " key");
    return buf;
}

SecureBuffer EphemeralKeyMaker::make(PkeyDevice& dev)
{
    if (full_) {
        try {
            return read_attr(full_, full_path_, protkey_attr_size(full_attr(bits_)));
        } catch (const Error&) {
            // The attribute exists but the machine lacks the function (the
            // driver fails the read): the pair, unless the form is fixed.
            if (form_ == TokenForm::full_xts)
                throw;
        }
    }
    if (pair_)
        return read_attr(pair_, pair_path_, xts_pair_token_size);
    const auto half = bits_ == 128 ? KeyType::aes_128 : KeyType::aes_256;
    auto k1 = dev.genprotk(half);
    auto k2 = dev.genprotk(half);
    return build_xts_pair(k1.span(), k2.span());
}

}  // namespace pkeydm
