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
		s.alt = 0;
		s.uncertain = false;
	}
}

void ExpectedState::end_write_failed(uint64_t b, uint64_t n, uint64_t seq)
{
	for (uint64_t i = b; i < b + n; i++) {
		Block &s = state_[i];
		s.writing = false;
		// Keep the oldest acceptable version if a failed write follows
		// a failed write: then any of three could be there; we keep the
		// newest two, which is what a correct device can show.
		s.alt = s.seq;
		s.seq = seq;
		s.uncertain = true;
	}
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
	auto expect = [&] {
		std::string e = "expected seq=" + std::to_string(s.seq);
		if (s.uncertain)
			e += " or " + std::to_string(s.alt) + " (after a failed write)";
		return e;
	};
	switch (in.check) {
	case BlockCheck::no_header:
		if (s.seq == 0 || (s.uncertain && s.alt == 0))
			return {Verdict::unwritten, {}};
		return {Verdict::corrupt, "no header; " + expect()};
	case BlockCheck::corrupt:
		if (s.seq == 0)
			// A damaged leftover of an earlier run is not this run's
			// data; the block is unwritten as far as we know.
			return {Verdict::unwritten, {}};
		return {Verdict::corrupt, "bad checksum or size; " + hdr_str(in.header) + "; " + expect()};
	case BlockCheck::misdirected:
		// Into a block this run never wrote, only this run's data
		// counts as misdirected; an earlier run's is just leftover.
		if (s.seq == 0 && in.header.seed != seed_)
			return {Verdict::unwritten, {}};
		return {Verdict::misdirected, hdr_str(in.header) + "; " + expect()};
	case BlockCheck::ok:
		break;
	}
	if (s.seq == 0)
		return {Verdict::unwritten, {}}; // an earlier run's block
	const BlockHeader &h = in.header;
	if (h.seed == seed_ && (h.seq == s.seq || (s.uncertain && h.seq == s.alt && s.alt)))
		return {Verdict::ok, {}};
	if (h.seed != seed_ || h.seq < s.seq)
		return {Verdict::stale, hdr_str(h) + "; " + expect()};
	// A newer seq than ever completed here: data we never wrote to
	// this block is not a stale version, it is wrong.
	return {Verdict::corrupt, "seq from the future; " + hdr_str(h) + "; " + expect()};
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
