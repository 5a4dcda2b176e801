// Raw device-mapper ioctls on one /dev/mapper/control descriptor, for the
// calls that change no device node: status, table, message, info and list.
// They need neither libdevmapper's udev protocol nor its process-wide lock
// (dm.hpp), so pdmd's workers read status and inject keys side by side, and
// pdmd does not load libdevmapper and the libraries it brings.
#pragma once

#include <linux/dm-ioctl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

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

}  // namespace pkeydm::dm_control
