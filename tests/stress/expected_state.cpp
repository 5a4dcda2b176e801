#include "expected_state.hpp"

#include <cassert>

namespace pdm::stress {

namespace {

std::string hdr_str(const BlockHeader &h)
{
	return "header offset=" + std::to_string(h.offset) + " seq=" + std::to_string(h.seq) +
	       " seed=" + std::to_string(h.seed) + " writer=" + std::to_string(h.writer);
}

} // namespace

ExpectedState::ExpectedState(uint64_t first_block, uint64_t nblocks, uint32_t block_size,
			     uint64_t seed)
    : first_(first_block), bs_(block_size), seed_(seed), state_(nblocks)
{
}

bool ExpectedState::can_read(uint64_t b, uint64_t n) const
{
	for (uint64_t i = b; i < b + n; i++)
		if (state_[i].writing)
			return false;
	return true;
}

bool ExpectedState::can_write(uint64_t b, uint64_t n) const
{
	for (uint64_t i = b; i < b + n; i++)
		if (state_[i].writing || state_[i].readers)
			return false;
	return true;
}

void ExpectedState::begin_read(uint64_t b, uint64_t n)
{
	for (uint64_t i = b; i < b + n; i++)
		state_[i].readers++;
}

void ExpectedState::end_read(uint64_t b, uint64_t n)
{
	for (uint64_t i = b; i < b + n; i++) {
		assert(state_[i].readers);
		state_[i].readers--;
	}
}

void ExpectedState::begin_write(uint64_t b, uint64_t n)
{
	for (uint64_t i = b; i < b + n; i++)
		state_[i].writing = true;
}

void ExpectedState::end_write(uint64_t b, uint64_t n, uint64_t seq)
{
	for (uint64_t i = b; i < b + n; i++) {
		Block &s = state_[i];
		s.writing = false;
		s.seq = seq;
		s.fail_lo = s.fail_hi = 0;
		s.uncertain = false;
		s.lost = false;
		s.suspect = false;
	}
}

void ExpectedState::end_write_failed(uint64_t b, uint64_t n, uint64_t seq)
{
	for (uint64_t i = b; i < b + n; i++) {
		Block &s = state_[i];
		s.writing = false;
		// Each failed write since the last good one may or may not
		// have reached the block (dm-paes fails a write before it is
		// submitted, so none did).  Seqs grow, and every write to this
		// block in between failed too, so a range is exact.
		if (!s.uncertain)
			s.fail_lo = seq;
		s.fail_hi = seq;
		s.uncertain = true;
		// A lost block may still be lost (nothing was written) or hold
		// the new version; only a read can tell.
		s.suspect = s.suspect || s.lost;
		s.lost = false;
	}
}

void ExpectedState::read_failed(uint64_t b, uint64_t n)
{
	for (uint64_t i = b; i < b + n; i++) {
		Block &s = state_[i];
		if (n == 1) {
			s.lost = true;
			s.suspect = false;
		} else if (!s.lost) {
			s.suspect = true;
		}
	}
}

uint64_t ExpectedState::lost_blocks() const
{
	uint64_t n = 0;
	for (auto &s : state_)
		n += s.lost;
	return n;
}

uint64_t ExpectedState::written_blocks() const
{
	uint64_t n = 0;
	for (auto &s : state_)
		n += s.seq != 0;
	return n;
}

bool ExpectedState::settled_seq(uint64_t b, uint64_t &seq) const
{
	seq = state_[b].seq;
	return !state_[b].uncertain;
}

VerifyResult ExpectedState::verify(uint64_t b, std::span<const std::byte> data) const
{
	const Block &s = state_[b];
	uint64_t off = (first_ + b) * bs_;
	Inspected in = inspect_block(data, off);
	if (s.lost) {
		std::string what = in.check == BlockCheck::ok || in.check == BlockCheck::misdirected
					   ? hdr_str(in.header)
					   : "no valid header";
		return {Verdict::resurrected,
			"block failed alone with EIO and was not rewritten since, now read as data (" +
				what + ")"};
	}
	auto expect = [&] {
		std::string e = "expected seq=" + std::to_string(s.seq);
		if (s.uncertain)
			e += " or " + std::to_string(s.fail_lo) + ".." + std::to_string(s.fail_hi) +
			     " (writes that failed since)";
		return e;
	};
	// Never written in this run, not even by a failed write.
	const bool untouched = s.seq == 0 && !s.uncertain;
	switch (in.check) {
	case BlockCheck::no_header:
		if (s.seq == 0)
			return {Verdict::unwritten, {}};
		return {Verdict::corrupt, "no header; " + expect()};
	case BlockCheck::corrupt:
		if (untouched)
			// A damaged leftover of an earlier run is not this run's
			// data; the block is unwritten as far as we know.
			return {Verdict::unwritten, {}};
		return {Verdict::corrupt, "bad checksum or size; " + hdr_str(in.header) + "; " + expect()};
	case BlockCheck::misdirected:
		// Into a block this run never wrote, only this run's data
		// counts as misdirected; an earlier run's is just leftover.
		if (untouched && in.header.seed != seed_)
			return {Verdict::unwritten, {}};
		return {Verdict::misdirected, hdr_str(in.header) + "; " + expect()};
	case BlockCheck::ok:
		break;
	}
	const BlockHeader &h = in.header;
	if (s.seq == 0 && (!s.uncertain || h.seed != seed_))
		return {Verdict::unwritten, {}}; // an earlier run's block
	if (h.seed == seed_ &&
	    ((h.seq == s.seq && s.seq) || (s.uncertain && h.seq >= s.fail_lo && h.seq <= s.fail_hi)))
		return {Verdict::ok, {}};
	if (h.seed != seed_ || h.seq < s.seq)
		return {Verdict::stale, hdr_str(h) + "; " + expect()};
	// A seq that never completed here: data we never wrote to this
	// block is not a stale version, it is wrong.
	return {Verdict::corrupt, "seq never written here; " + hdr_str(h) + "; " + expect()};
}

VerifyResult verify_self_consistent(uint64_t offset, std::span<const std::byte> data,
				    bool allow_unwritten)
{
	Inspected in = inspect_block(data, offset);
	switch (in.check) {
	case BlockCheck::ok:
		return {Verdict::ok, {}};
	case BlockCheck::no_header:
		if (allow_unwritten)
			return {Verdict::unwritten, {}};
		return {Verdict::corrupt, "no header (--allow-unwritten not given)"};
	case BlockCheck::corrupt:
		return {Verdict::corrupt, "bad checksum or size; " + hdr_str(in.header)};
	case BlockCheck::misdirected:
		return {Verdict::misdirected, hdr_str(in.header)};
	}
	return {Verdict::corrupt, "?"};
}

} // namespace pdm::stress
