// What libblkid recognises on a block device: a file system, swap area,
// RAID or LVM member, LUKS header or partition table.  pdm asks before it
// runs mkswap, which would destroy any of them.
#pragma once

#include <optional>
#include <string>

namespace pkeydm {

// The signature's name ("ext4", "swap", "crypto_LUKS", "gpt partition
// table", "several signatures"), or nullopt when the device carries none.
// Throws Error(io) naming the path when the device cannot be read.
std::optional<std::string> block_signature(const std::string& path);

// Whether mkswap may write where `signature` was found: nothing there, or
// an old swap area.
inline bool mkswap_may_overwrite(const std::optional<std::string>& signature)
{
    return !signature || *signature == "swap";
}

}  // namespace pkeydm
