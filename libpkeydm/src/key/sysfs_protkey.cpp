#include "pkeydm/key/sysfs_protkey.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/key/token.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

std::size_t protkey_attr_size(std::string_view attr) noexcept
{
    if (attr == "protkey_aes_128" || attr == "protkey_aes_192" || attr == "protkey_aes_256")
        return protkey_token_size;
    if (attr == "protkey_aes_128_xts" || attr == "protkey_aes_256_xts")
        return xts_pair_token_size;
    if (attr == "protkey_aes_xts_128")
        return token_header_size + 64;
    if (attr == "protkey_aes_xts_256")
        return token_header_size + 96;
    return 0;
}

std::string xts_pair_attr(unsigned xts_bits)
{
    return xts_bits == 128 ? "protkey_aes_128_xts" : "protkey_aes_256_xts";
}

SecureBuffer read_sysfs_protkey(std::string_view attr, const std::string& dir)
{
    const std::size_t expect = protkey_attr_size(attr);
    if (!expect)
        throw Error(Errc::usage, "unknown protkey sysfs attribute '" + std::string(attr) + "'");
    const std::string path = dir + "/" + std::string(attr);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno(errno == ENOENT ? Errc::not_found : Errc::keysource,
                    "cannot open " + path + " (is the pkey or pkey_emu module loaded?)", errno);
    auto buf = read_attr_once(fd.get(), path, expect);
    inspect_token(buf.span());
    return buf;
}

SecureBuffer read_attr_once(int fd, const std::string& path, std::size_t expect)
{
    SecureBuffer buf(4096);
    ssize_t n;
    do
        n = ::pread(fd, buf.data(), buf.size(), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        throw_errno(Errc::keysource, "read " + path, errno);
    if (expect && static_cast<std::size_t>(n) != expect)
        throw Error(Errc::keysource, "read " + path + ": got " + std::to_string(n) + " bytes, expected " +
                                         std::to_string(expect));
    buf.truncate(static_cast<std::size_t>(n));
    return buf;
}

}  // namespace pkeydm
