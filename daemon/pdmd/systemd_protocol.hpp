// The two systemd protocols pdmd speaks, without libsystemd: under
// mlockall every library pdmd links stays resident, and libsystemd brought
// six more (about 3.4 MiB locked) for two datagrams.
//   - service notification (sd_notify(3)): "READY=1" and the like to the
//     AF_UNIX datagram socket in $NOTIFY_SOCKET ('@' for the abstract
//     namespace);
//   - the journal's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL):
//     one datagram to /run/systemd/journal/socket, a field per line as
//     "NAME=value\n", or, for a value that holds a newline, "NAME\n", its
//     length as 64-bit little endian, the value and "\n".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pkeydm/unique_fd.hpp"

namespace pdmd {

// The datagram for these fields, each "NAME=value".  Throws
// std::invalid_argument for a field without '=' or with an empty name.
std::string journal_datagram(const std::vector<std::string_view>& fields);

// Sends `data` as one datagram to the AF_UNIX socket `address` ('@' first:
// abstract).  0, or a negative errno (-EMSGSIZE for a datagram too large,
// -EINVAL for an address that is neither absolute nor abstract).
int send_unix_datagram(std::string_view address, std::string_view data) noexcept;

// The same through one socket kept for every send: for a sender of many
// datagrams (the log thread), one syscall a datagram instead of three and
// no socket to allocate while memory is short.  Not thread-safe; the
// socket is made at the first send and kept across failed sends.
class DatagramSender {
public:
    int send(std::string_view address, std::string_view data) noexcept;

private:
    pkeydm::UniqueFd fd_;
};

}  // namespace pdmd
