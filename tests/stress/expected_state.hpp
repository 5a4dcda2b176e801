// What each block of one thread's range should hold, and which blocks have
// I/O in flight.  Reads never overlap an in-flight write and writes never
// overlap any in-flight I/O, so a completed read has exactly one right answer
// (more after writes failed with EIO: the last successful version or any of
// the failed ones since).
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
	resurrected, // --lossy: a block known lost (it failed alone with EIO and
	             // was not rewritten since) read back as data
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
	// The write failed (e.g. EIO): each block holds its last good version,
	// seq, or the version of an earlier failed write since.
	void end_write_failed(uint64_t b, uint64_t n, uint64_t seq);

	// Verifies block b (relative) read back as `data`.
	VerifyResult verify(uint64_t b, std::span<const std::byte> data) const;

	// --lossy (a key replace makes blocks unreadable: EIO, never garbage).
	// A read of [b, b+n) failed with EIO.  n == 1: block b is lost, for
	// sure, until it is written again.  n > 1: at least one of them is,
	// each is "suspect" (may be lost) until a read or a write settles it.
	void read_failed(uint64_t b, uint64_t n);
	// A read of block b returned data that verify() accepted: it is not
	// lost.  (A block known lost that returns data is Verdict::resurrected.)
	void read_ok(uint64_t b) { state_[b].suspect = false; }
	bool lost(uint64_t b) const { return state_[b].lost; }
	bool suspect(uint64_t b) const { return state_[b].suspect; }
	uint64_t lost_blocks() const;
	// Block b's last write succeeded and had a seq >= seq.
	bool written_since(uint64_t b, uint64_t seq) const
	{
		return !state_[b].uncertain && state_[b].seq >= seq;
	}

	uint64_t written_blocks() const;
	// Last successful seq of block b (0: none); false if writes failed since.
	bool settled_seq(uint64_t b, uint64_t &seq) const;

private:
	struct Block {
		uint64_t seq = 0;     // last successful write (0: none)
		uint64_t fail_lo = 0; // failed writes since then: seqs fail_lo..fail_hi
		uint64_t fail_hi = 0; // (0: none); each may or may not have landed
		uint32_t readers = 0;
		bool writing = false;
		bool uncertain = false; // failed writes since seq; any of them acceptable
		bool lost = false;      // --lossy: failed alone with EIO, not rewritten since
		bool suspect = false;   // --lossy: in a multi-block read that failed
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
