// Small file helpers with the durability and secrecy the key files need.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "pkeydm/secure_buffer.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

// tmp file in the same directory, write, fsync, rename over `path`, fsync the
// directory: a crash leaves the old or the new file, never a torn one.
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> data, mode_t mode);
void write_file_atomic(const std::string& path, const std::string& text, mode_t mode);

// Whole file into locked memory; refuses files larger than max_size.
SecureBuffer read_file_secure(const std::string& path, std::size_t max_size);
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
