// What each block of one thread's range should hold, and which blocks have
// I/O in flight.  Reads never overlap an in-flight write and writes never
// overlap any in-flight I/O, so a completed read has exactly one right answer
// (two after a write failed with EIO: the old or the new version).
#pragma once

#include "block_format.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pdm::stress {

enum class Verdict {
	ok,
	unwritten,   // never written in this run: content unknown, not checked
	corrupt,     // bad checksum/size, or no header where one was written
	misdirected, // a valid block for another offset
	stale,       // right offset, but an older version (or another run's seed)
};

struct VerifyResult {
	Verdict verdict;
	std::string detail; // for error lines; empty when ok
};

class ExpectedState {
public:
	ExpectedState(uint64_t first_block, uint64_t nblocks, uint32_t block_size, uint64_t seed);

	uint64_t nblocks() const { return state_.size(); }
	uint64_t first_block() const { return first_; }
	uint32_t block_size() const { return bs_; }

	// In-flight tracking; indexes are relative to the range.
	bool can_read(uint64_t b, uint64_t n) const;
	bool can_write(uint64_t b, uint64_t n) const;
	void begin_read(uint64_t b, uint64_t n);
	void end_read(uint64_t b, uint64_t n);
	void begin_write(uint64_t b, uint64_t n);
	// The write completed: blocks now hold seq.
	void end_write(uint64_t b, uint64_t n, uint64_t seq);
	// The write failed (e.g. EIO): each block holds its old version or seq.
	void end_write_failed(uint64_t b, uint64_t n, uint64_t seq);

	// Verifies block b (relative) read back as `data`.
	VerifyResult verify(uint64_t b, std::span<const std::byte> data) const;

	uint64_t written_blocks() const;
	// Last completed seq of block b (0: unwritten); false if uncertain.
	bool settled_seq(uint64_t b, uint64_t &seq) const;

private:
	struct Block {
		uint64_t seq = 0; // 0: never written
		uint64_t alt = 0; // other acceptable seq after a failed write (0: none)
		uint32_t readers = 0;
		bool writing = false;
		bool uncertain = false; // failed write; seq or alt acceptable
	};
	uint64_t first_;
	uint32_t bs_;
	uint64_t seed_;
	std::vector<Block> state_;
};

// --verify-only: no expected state, only self-consistency.
VerifyResult verify_self_consistent(uint64_t offset, std::span<const std::byte> data,
				    bool allow_unwritten);

} // namespace pdm::stress
