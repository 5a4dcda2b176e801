// Small file helpers with the durability and secrecy the key files need.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "pkeydm/error.hpp"
#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

// tmp file in the same directory, write, fsync, rename over `path`, fsync the
// directory: a crash leaves the old or the new file, never a torn one.
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> data, mode_t mode);
void write_file_atomic(const std::string& path, const std::string& text, mode_t mode);

// Whole file into locked memory; refuses files larger than max_size.
SecureBuffer read_file_secure(const std::string& path, std::size_t max_size);

// Who may change or read a file pdm trusts (a key file, the repository and
// its keys, pdmtab).  Refused with Error(<the caller's code>): an owner other
// than root or the effective user, or write permission for group or others
// (they could substitute a key or a device).  Warned about through the log
// sink, as systemd-cryptsetup does for key files: a secret readable by group
// or others.
enum class FileTrust { config, secret };
void check_file_trust(int fd, const std::string& path, FileTrust trust, Errc code);
// read_file_secure after check_file_trust on the same open file.
SecureBuffer read_trusted_file(const std::string& path, std::size_t max_size, FileTrust trust, Errc code);
// check_file_trust for a directory (the repository).
void check_dir_trust(const std::string& path, Errc code);
std::string read_text_file(const std::string& path, std::size_t max_size = 1 << 20);

// mkdir -p with `mode` for the directories it creates.
void make_dirs(const std::string& path, mode_t mode);

// flock(2) held for the object's lifetime on `path` (created if missing).
class FileLock {
public:
    FileLock(const std::string& path, bool exclusive);

private:
    UniqueFd fd_;  // closing the descriptor releases the lock
};

}  // namespace pkeydm
