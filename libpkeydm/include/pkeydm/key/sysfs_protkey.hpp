// Random protected-key tokens from sysfs, the way crypttab uses them:
// /sys/devices/virtual/misc/pkey/protkey/<attr>.  Each read makes a new key.
#pragma once

#include <string>
#include <string_view>

#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {

inline constexpr const char* default_protkey_dir = "/sys/devices/virtual/misc/pkey/protkey";

// Token size an attribute yields (80, 112 or 160); 0 for an unknown name.
std::size_t protkey_attr_size(std::string_view attr) noexcept;

// One read() at offset 0 of the whole blob: the driver answers a partial or
// offset read with EINVAL.  The result is validated as a token.
SecureBuffer read_sysfs_protkey(std::string_view attr, const std::string& dir = default_protkey_dir);

// One pread at offset 0 of the pkey sysfs attribute open on `fd` (the
// driver answers a partial or offset read with EINVAL), into a buffer larger
// than any key so that a too-long answer is seen, not cut.  `expect`: the
// size the answer must have (0: any).  Errors name `path`.
SecureBuffer read_attr_once(int fd, const std::string& path, std::size_t expect = 0);

// "protkey_aes_256_xts" for 256, "protkey_aes_128_xts" for 128.
std::string xts_pair_attr(unsigned xts_bits);

}  // namespace pkeydm
