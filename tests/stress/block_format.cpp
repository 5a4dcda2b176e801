#include "block_format.hpp"

#include <bit>
#include <cstring>

namespace pdm::stress {

static_assert(std::endian::native == std::endian::little,
	      "pdm-stress writes little-endian headers with memcpy");

namespace {

constexpr uint64_t P1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t P3 = 0x165667B19E3779F9ull;
constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ull;
constexpr uint64_t P5 = 0x27D4EB2F165667C5ull;

inline uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	std::memcpy(&v, p, 8);
	return v;
}
inline uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	std::memcpy(&v, p, 4);
	return v;
}
inline uint64_t round(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = std::rotl(acc, 31);
	return acc * P1;
}
inline uint64_t merge(uint64_t h, uint64_t v)
{
	h ^= round(0, v);
	return h * P1 + P4;
}

// splitmix64: payload generator and seed mixer.
inline uint64_t splitmix(uint64_t &s)
{
	uint64_t z = (s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t block_hash(const unsigned char *b, size_t size)
{
	uint64_t h = hash64(b, offsetof(BlockHeader, hash), 0);
	return hash64(b + kHeaderSize, size - kHeaderSize, h);
}

} // namespace

uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	auto p = static_cast<const unsigned char *>(data);
	const unsigned char *end = p + len;
	uint64_t h;
	if (len >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
		const unsigned char *limit = end - 32;
		do {
			v1 = round(v1, rd64(p));
			v2 = round(v2, rd64(p + 8));
			v3 = round(v3, rd64(p + 16));
			v4 = round(v4, rd64(p + 24));
			p += 32;
		} while (p <= limit);
		h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
		h = merge(h, v1);
		h = merge(h, v2);
		h = merge(h, v3);
		h = merge(h, v4);
	} else {
		h = seed + P5;
	}
	h += len;
	for (; p + 8 <= end; p += 8) {
		h ^= round(0, rd64(p));
		h = std::rotl(h, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		h ^= uint64_t(rd32(p)) * P1;
		h = std::rotl(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= uint64_t(*p) * P5;
		h = std::rotl(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

void format_block(std::span<std::byte> block, uint64_t offset, uint64_t seq, uint64_t seed,
		  uint32_t writer)
{
	auto b = reinterpret_cast<unsigned char *>(block.data());
	size_t size = block.size();
	BlockHeader h{kMagic, offset, seq, seed, static_cast<uint32_t>(size), writer, 0};
	std::memcpy(b, &h, kHeaderSize);
	uint64_t s = seed ^ (offset * P3) ^ (seq * P5);
	for (size_t i = kHeaderSize; i + 8 <= size; i += 8) {
		uint64_t v = splitmix(s);
		std::memcpy(b + i, &v, 8);
	}
	h.hash = block_hash(b, size);
	std::memcpy(b + offsetof(BlockHeader, hash), &h.hash, sizeof h.hash);
}

Inspected inspect_block(std::span<const std::byte> block, uint64_t offset)
{
	auto b = reinterpret_cast<const unsigned char *>(block.data());
	Inspected r{};
	std::memcpy(&r.header, b, kHeaderSize);
	if (r.header.magic != kMagic) {
		r.check = BlockCheck::no_header;
	} else if (r.header.size != block.size() || r.header.hash != block_hash(b, block.size())) {
		r.check = BlockCheck::corrupt;
	} else if (r.header.offset != offset) {
		r.check = BlockCheck::misdirected;
	} else {
		r.check = BlockCheck::ok;
	}
	return r;
}

} // namespace pdm::stress
