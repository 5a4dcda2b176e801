#include "pkeydm/key/sysfs_seckey.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "pkeydm/error.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

namespace {

const char* card_kind(SecureKeyType t)
{
    return t == SecureKeyType::ep11 ? "EP11 coprocessor" : "CCA coprocessor";
}

[[noreturn]] void fail(const std::string& what, int err, const std::string& advice)
{
    throw Error(Errc::keysource, what + ": " + std::strerror(err) + advice, err);
}

}  // namespace

std::string secure_xts_attr(SecureKeyType type, unsigned xts_bits)
{
    const std::string bits = xts_bits == 128 ? "128" : "256";
    switch (type) {
    case SecureKeyType::cca_aesdata: return "ccadata/ccadata_aes_" + bits + "_xts";
    case SecureKeyType::cca_aescipher: return "ccacipher/ccacipher_aes_" + bits + "_xts";
    case SecureKeyType::ep11: return "ep11/ep11_aes_" + bits + "_xts";
    }
    return {};
}

SecureBuffer unpack_sysfs_secure_xts(std::span<const std::uint8_t> read, SecureKeyType type, std::string_view what)
{
    if (read.empty() || read.size() % 2)
        throw Error(Errc::keysource, std::string(what) + ": read " + std::to_string(read.size()) +
                                         " bytes, expected two key slots of equal size");
    const std::size_t stride = read.size() / 2;
    const auto k1 = read.first(stride);
    const auto k2 = read.subspan(stride);
    const auto i1 = inspect_secure_key(k1, std::string(what) + " K1");
    const auto i2 = inspect_secure_key(k2, std::string(what) + " K2");
    for (const auto* i : {&i1, &i2})
        if (i->type != type)
            throw Error(Errc::keysource, std::string(what) + ": holds " +
                                             std::string(secure_key_type_name(i->type)) + " keys, expected " +
                                             std::string(secure_key_type_name(type)));
    return SecureBuffer::concat({k1.first(i1.length), k2.first(i2.length)});
}

SecureBuffer read_sysfs_secure_xts(SecureKeyType type, unsigned xts_bits, const std::string& dir)
{
    const std::string path = dir + "/" + secure_xts_attr(type, xts_bits);
    const std::string advice = std::string("; random-secure needs a ") + card_kind(type) +
                               " online (see lszcrypt); without one use keysource 'ephemeral'";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        fail("cannot open " + path, errno, advice);
    SecureBuffer buf;
    try {
        buf = read_attr_once(fd.get(), path);
    } catch (const Error& e) {
        throw Error(Errc::keysource, e.what() + advice, e.sys_errno());
    }
    return unpack_sysfs_secure_xts(buf.span(), type, path);
}

}  // namespace pkeydm
