// Blobs read from sysfs protkey attributes: the first input byte picks the
// attribute, the rest is what the "driver" returns (a file in a scratch
// directory stands for the attribute).
#include <fcntl.h>
#include <unistd.h>

#include "fuzz_common.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;

namespace {

constexpr const char* attrs[] = {"protkey_aes_128",     "protkey_aes_192",     "protkey_aes_256",
                                 "protkey_aes_128_xts", "protkey_aes_256_xts", "protkey_aes_xts_128",
                                 "protkey_aes_xts_256", "protkey_bogus"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string attr = attrs[data[0] % std::size(attrs)];
    const std::span<const std::uint8_t> blob(data + 1, size - 1);
    static const std::string dir = fuzz::scratch_dir();
    const std::string path = dir + "/" + attr;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(blob.empty() || ::write(fd, blob.data(), blob.size()) == static_cast<ssize_t>(blob.size()));
    ::close(fd);

    SecureBuffer got;
    if (fuzz::ok([&] { got = read_sysfs_protkey(attr, dir); })) {
        FUZZ_CHECK(got.size() == protkey_attr_size(attr) && fuzz::same(got.span(), blob));
        FUZZ_CHECK(fuzz::ok([&] { inspect_token(got.span()); }));
    }
    FUZZ_CHECK(protkey_attr_size(xts_pair_attr(data[0] & 1 ? 128 : 256)) == xts_pair_token_size);
    return 0;
}
