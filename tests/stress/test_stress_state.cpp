// Host check of pdm-stress's verdicts: what a read of each block may return
// (tests/stress/expected_state.cpp), including --lossy's lost blocks.
#define BOOST_TEST_MODULE stress_state
#include <boost/test/unit_test.hpp>

#include "expected_state.hpp"

#include <vector>

using namespace pdm::stress;

namespace {

constexpr uint32_t kBs = 4096;
constexpr uint64_t kSeed = 42;

struct Fixture {
	ExpectedState st{10, 8, kBs, kSeed}; // blocks 10..17 of the device
	std::vector<std::byte> buf = std::vector<std::byte>(kBs);

	// What block b (relative) reads as when it holds `seq`.
	std::span<const std::byte> block(uint64_t b, uint64_t seq, uint64_t seed = kSeed)
	{
		format_block(buf, (10 + b) * kBs, seq, seed, 0);
		return buf;
	}
	void write(uint64_t b, uint64_t n, uint64_t seq)
	{
		st.begin_write(b, n);
		st.end_write(b, n, seq);
	}
	Verdict v(uint64_t b, std::span<const std::byte> d) { return st.verify(b, d).verdict; }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(verdicts, Fixture)
{
	BOOST_TEST((v(0, block(0, 5)) == Verdict::unwritten)); // never written: not checked
	write(0, 2, 3);
	BOOST_TEST((v(0, block(0, 3)) == Verdict::ok));
	BOOST_TEST((v(0, block(0, 2)) == Verdict::stale));
	BOOST_TEST((v(0, block(0, 3, 7)) == Verdict::stale)); // another run's seed
	BOOST_TEST((v(0, block(0, 4)) == Verdict::corrupt));  // from the future
	BOOST_TEST((v(0, block(1, 3)) == Verdict::misdirected));
	auto d = block(1, 3);
	std::vector<std::byte> bad(d.begin(), d.end());
	bad[100] ^= std::byte{1};
	BOOST_TEST((v(1, bad) == Verdict::corrupt));
	std::vector<std::byte> zero(kBs);
	BOOST_TEST((v(1, zero) == Verdict::corrupt)); // written, no header
}

BOOST_FIXTURE_TEST_CASE(failed_writes_keep_every_version, Fixture)
{
	write(2, 1, 3);
	st.begin_write(2, 1);
	st.end_write_failed(2, 1, 4);
	BOOST_TEST((v(2, block(2, 3)) == Verdict::ok));
	BOOST_TEST((v(2, block(2, 4)) == Verdict::ok));
	BOOST_TEST((v(2, block(2, 2)) == Verdict::stale));
	// Failed writes in a row (dm-paes with key=lost fails them all
	// before they reach the disk): the last good version stays right.
	st.begin_write(2, 1);
	st.end_write_failed(2, 1, 7);
	st.begin_write(2, 1);
	st.end_write_failed(2, 1, 9);
	BOOST_TEST((v(2, block(2, 3)) == Verdict::ok));
	BOOST_TEST((v(2, block(2, 4)) == Verdict::ok));
	BOOST_TEST((v(2, block(2, 9)) == Verdict::ok));
	BOOST_TEST((v(2, block(2, 10)) == Verdict::corrupt));
	uint64_t seq = 0;
	BOOST_TEST(!st.settled_seq(2, seq));
	BOOST_TEST(seq == 3u);
	write(2, 1, 11);
	BOOST_TEST((v(2, block(2, 9)) == Verdict::stale));
	BOOST_TEST(st.settled_seq(2, seq));
	// Never written successfully: no header (nothing landed) is fine.
	st.begin_write(6, 1);
	st.end_write_failed(6, 1, 12);
	std::vector<std::byte> zero(kBs);
	BOOST_TEST((v(6, zero) == Verdict::unwritten));
	BOOST_TEST((v(6, block(6, 12)) == Verdict::ok));
}

BOOST_FIXTURE_TEST_CASE(in_flight, Fixture)
{
	st.begin_read(0, 2);
	BOOST_TEST(st.can_read(1, 2));
	BOOST_TEST(!st.can_write(1, 2));
	st.end_read(0, 2);
	st.begin_write(3, 2);
	BOOST_TEST(!st.can_read(4, 1));
	BOOST_TEST(st.can_write(5, 3));
}

BOOST_FIXTURE_TEST_CASE(lossy, Fixture)
{
	write(0, 8, 1);
	// A multi-block read failed: each block only suspect; one that then
	// reads correctly is fine.
	st.read_failed(0, 4);
	BOOST_TEST(st.lost_blocks() == 0u);
	BOOST_TEST(st.suspect(2));
	BOOST_TEST((v(2, block(2, 1)) == Verdict::ok));
	st.read_ok(2);
	BOOST_TEST(!st.suspect(2));
	// Read alone with EIO: lost; data from it now is an error, whatever
	// it looks like, until it is written again.
	st.read_failed(3, 1);
	BOOST_TEST(st.lost(3));
	BOOST_TEST(st.lost_blocks() == 1u);
	BOOST_TEST((v(3, block(3, 1)) == Verdict::resurrected));
	std::vector<std::byte> zero(kBs);
	BOOST_TEST((v(3, zero) == Verdict::resurrected));
	// A lost block stays lost through another multi-block failure.
	st.read_failed(2, 3);
	BOOST_TEST(st.lost(3));
	BOOST_TEST(!st.suspect(3));
	write(3, 1, 2);
	BOOST_TEST(!st.lost(3));
	BOOST_TEST((v(3, block(3, 2)) == Verdict::ok));
	// A failed write onto a lost block: lost or the new version.
	st.read_failed(5, 1);
	st.begin_write(5, 1);
	st.end_write_failed(5, 1, 3);
	BOOST_TEST(!st.lost(5));
	BOOST_TEST(st.suspect(5));
	BOOST_TEST((v(5, block(5, 3)) == Verdict::ok));
	BOOST_TEST(st.lost_blocks() == 0u);
	// The fence (SIGUSR1): only blocks whose last write succeeded with a
	// seq at or after it count as written since.
	BOOST_TEST(st.written_since(3, 2));
	BOOST_TEST(!st.written_since(3, 3));
	BOOST_TEST(!st.written_since(5, 1)); // a failed write since
}
