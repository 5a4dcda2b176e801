#include "pkeydm/device/signature.hpp"

#include <blkid/blkid.h>

#include <cerrno>
#include <memory>

#include "pkeydm/error.hpp"

namespace pkeydm {

std::optional<std::string> block_signature(const std::string& path)
{
    const std::unique_ptr<std::remove_pointer_t<blkid_probe>, decltype(&blkid_free_probe)> pr(
        blkid_new_probe_from_filename(path.c_str()), &blkid_free_probe);
    if (!pr)
        throw_errno(Errc::io, "libblkid cannot open " + path, errno ? errno : EIO);
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_TYPE);
    blkid_probe_enable_partitions(pr.get(), 1);
    blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_MAGIC);
    // safeprobe: two signatures that contradict each other are reported as
    // such (-2) instead of one of them being picked.
    const int rc = blkid_do_safeprobe(pr.get());
    if (rc == 1)
        return std::nullopt;
    if (rc == -2)
        return "several signatures";
    if (rc < 0)
        throw_errno(Errc::io, "libblkid cannot probe " + path, errno ? errno : EIO);
    const char* v = nullptr;
    if (blkid_probe_lookup_value(pr.get(), "TYPE", &v, nullptr) == 0 && v)
        return std::string(v);
    if (blkid_probe_lookup_value(pr.get(), "PTTYPE", &v, nullptr) == 0 && v)
        return std::string(v) + " partition table";
    return "an unnamed signature";
}

}  // namespace pkeydm
