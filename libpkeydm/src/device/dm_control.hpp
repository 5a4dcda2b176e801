// Raw device-mapper ioctls on one /dev/mapper/control descriptor, for the
// calls that change no device node: status, table, message, info and list.
// They need neither libdevmapper's udev protocol nor its process-wide lock
// (dm.hpp), so pdmd's workers read status and inject keys side by side, and
// pdmd does not load libdevmapper and the libraries it brings.
#pragma once

#include <linux/dm-ioctl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pkeydm::dm_control {

constexpr std::size_t align8(std::size_t v) noexcept
{
    return (v + 7) & ~std::size_t{7};
}

// Opened at first use and kept for the life of the process: pdmd lists
// before it watches a device and must open nothing afterwards.  Where the
// node is missing, the maker set with make_missing_node_with (pdm's:
// libdevmapper's, which also loads dm_mod) is tried once.
int fd();
void make_missing_node_with(bool (*maker)() noexcept) noexcept;

// Fills the header of `buf` (8-byte aligned, at least sizeof(dm_ioctl))
// for an ioctl on device `name` ("" for none), data after the header.
// Throws Error(usage) for a name the kernel cannot hold.
dm_ioctl* prepare(std::span<std::uint64_t> buf, const std::string& name, std::uint32_t flags);
dm_ioctl* prepare(std::span<std::uint8_t> buf, const std::string& name, std::uint32_t flags);

// The answer's data area, [data_start, data_size), checked against the
// buffer the kernel wrote.
std::span<const char> answer(const dm_ioctl* io, std::size_t buf_bytes, const char* op);

// Throws Error(devmapper) for an answer that would need a buffer over
// max_answer_bytes, naming the request `op` and the device `name` ("" for
// none).
constexpr std::size_t max_answer_bytes = 16 * 1024 * 1024;
[[noreturn]] void answer_too_large(const char* op, const std::string& name);

// For an ioctl whose answer may not fit: `attempt(buf)` fills the header
// in `buf`, issues the ioctl and returns the header, or nullptr for an
// answer without data (then so does this).  Tried again with twice the
// buffer while the kernel says it was full, starting at the size `hint`
// last needed, which then learns this one's; `buf` keeps the answer.
template <class Attempt>
dm_ioctl* until_it_fits(std::vector<std::uint64_t>& buf, std::atomic<std::size_t>& hint, const char* op,
                        const std::string& name, Attempt attempt)
{
    for (std::size_t bytes = hint.load(std::memory_order_relaxed);; bytes *= 2) {
        if (bytes > max_answer_bytes)
            answer_too_large(op, name);
        buf.assign(bytes / sizeof(std::uint64_t), 0);
        dm_ioctl* io = attempt(std::span<std::uint64_t>(buf));
        if (io && (io->flags & DM_BUFFER_FULL_FLAG))
            continue;
        if (io)
            hint.store(bytes, std::memory_order_relaxed);
        return io;
    }
}

}  // namespace pkeydm::dm_control
