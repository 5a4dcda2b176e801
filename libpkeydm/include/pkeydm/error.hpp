// Errors of libpkeydm: one exception type whose code is also the process exit
// status of pdm, so a script can tell a bad config from a missing device.
#pragma once

#include <stdexcept>
#include <string>

namespace pkeydm {

// Values are pdm exit codes (docs/cli.md); keep them stable.
enum class Errc : int {
    usage = 1,      // bad command line
    config = 2,     // pdmtab, options, malformed token or file
    keysource = 3,  // /dev/pkey, sysfs protkey, key repository, key file
    devmapper = 4,  // a device-mapper operation failed
    keyring = 5,    // kernel keyring
    not_found = 6,  // device, key or entry does not exist
    verify = 7,     // a key is stale, untrusted or fails verification
    io = 8,         // other I/O (files, swap, block devices)
    internal = 9,
};

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& what, int sys_errno = 0)
        : std::runtime_error(what), code_(code), errno_(sys_errno) {}
    Errc code() const noexcept { return code_; }
    int sys_errno() const noexcept { return errno_; }

private:
    Errc code_;
    int errno_;
};

// what + ": " + strerror(err); keeps errno so callers can branch on it.
[[noreturn]] void throw_errno(Errc code, const std::string& what, int err);

}  // namespace pkeydm
