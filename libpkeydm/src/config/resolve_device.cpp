#include <blkid/blkid.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "pkeydm/error.hpp"
#include "pkeydm/config/pdmtab.hpp"

namespace pkeydm {

std::string resolve_device(std::string_view spec)
{
    if (!valid_device_spec(spec))
        throw Error(Errc::config, "device '" + std::string(spec) +
                                      "': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    std::string path;
    if (spec.starts_with('/')) {
        path = spec;
    } else {
        // libblkid looks the value up (udev links, else a probe of every
        // block device) instead of pasting it into a path, so UUID=../../sda
        // matches nothing.  A cache named /dev/null is never read or saved
        // (blkid -c /dev/null): no stale entry, no file written.
        const std::string s(spec);
        blkid_cache cache = nullptr;
        if (blkid_get_cache(&cache, "/dev/null") < 0)
            throw Error(Errc::internal, "device '" + s + "': libblkid cannot make a cache");
        const std::unique_ptr<char, decltype(&std::free)> dev(blkid_evaluate_tag(s.c_str(), nullptr, &cache),
                                                              &std::free);
        blkid_put_cache(cache);
        if (!dev)
            throw Error(Errc::not_found, "device '" + s + "': no block device has that " + s.substr(0, s.find('=')),
                        ENOENT);
        path = dev.get();
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw_errno(Errc::not_found, "device '" + std::string(spec) + "' (" + path + ")", errno);
    return path;
}

}  // namespace pkeydm
