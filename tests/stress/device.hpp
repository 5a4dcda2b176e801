// RAII for the device descriptor and aligned buffers, and device geometry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace pdm::stress {

// Setup failures (open, ioctl, io_uring_setup ...): the message names what
// and where.
struct SetupError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

// errno-carrying SetupError: "what: strerror".
[[noreturn]] void throw_errno(const std::string &what, int err);

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
	Fd &operator=(Fd &&o) noexcept;
	~Fd();
	int get() const { return fd_; }

private:
	int fd_ = -1;
};

struct Device {
	std::string path;
	Fd fd;
	uint64_t size = 0;          // bytes
	uint32_t logical_block = 0; // BLKSSZGET; 512 for regular files
	bool is_block = false;
};

// Opens path with O_DIRECT (read-only if !write).
Device open_device(const std::string &path, bool write);

// page-aligned, zeroed buffer
class AlignedBuffer {
public:
	explicit AlignedBuffer(size_t size, size_t align = 4096);
	AlignedBuffer(const AlignedBuffer &) = delete;
	AlignedBuffer &operator=(const AlignedBuffer &) = delete;
	~AlignedBuffer();
	std::byte *data() const { return p_; }
	size_t size() const { return size_; }

private:
	std::byte *p_ = nullptr;
	size_t size_;
};

} // namespace pdm::stress
