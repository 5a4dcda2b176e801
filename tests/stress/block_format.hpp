// On-disk format of a pdm-stress block and its verification.
//
// Every verify unit ("block", the logical block size unless --block-size)
// starts with a 48-byte little-endian header followed by a pseudo-random
// payload derived from (seed, offset, seq):
//
//   0  u64 magic   "PDMSTRS1"
//   8  u64 offset  byte offset of this block on the device
//  16  u64 seq     write sequence number (per thread, from 1)
//  24  u64 seed    the run's --seed
//  32  u32 size    block size
//  36  u32 writer  thread index
//  40  u64 hash    hash64 of bytes [0,40) chained into hash64 of [48,size)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pdm::stress {

inline constexpr uint64_t kMagic = 0x31535254534d4450ull; // "PDMSTRS1" little-endian
inline constexpr size_t kHeaderSize = 48;

struct BlockHeader {
	uint64_t magic;
	uint64_t offset;
	uint64_t seq;
	uint64_t seed;
	uint32_t size;
	uint32_t writer;
	uint64_t hash;
};
static_assert(sizeof(BlockHeader) == kHeaderSize);

// 64-bit hash (xxHash64-style construction, own implementation).
uint64_t hash64(const void *data, size_t len, uint64_t seed);

// Fills one block for a write.
void format_block(std::span<std::byte> block, uint64_t offset, uint64_t seq, uint64_t seed,
		  uint32_t writer);

// What a block read back from `offset` holds.
enum class BlockCheck {
	ok,           // header valid (magic, size, checksum) and offset right
	no_header,    // magic missing: never written by pdm-stress, or trashed
	corrupt,      // magic present but size or checksum wrong
	misdirected,  // valid block, but written for another offset
};

struct Inspected {
	BlockCheck check;
	BlockHeader header; // as read (valid only if check is ok or misdirected)
};

Inspected inspect_block(std::span<const std::byte> block, uint64_t offset);

} // namespace pdm::stress
