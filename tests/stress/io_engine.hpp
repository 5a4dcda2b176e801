// One worker: an io_uring on one disjoint part of the range, keeping up to
// qd requests in flight, verifying every read against its ExpectedState.
#pragma once

#include "args.hpp"
#include "device.hpp"
#include "expected_state.hpp"
#include "stats.hpp"

#include <atomic>
#include <chrono>
#include <liburing.h>
#include <random>
#include <vector>

namespace pdm::stress {

class Ring {
public:
	Ring(unsigned entries, unsigned worker);
	Ring(const Ring &) = delete;
	Ring &operator=(const Ring &) = delete;
	~Ring();
	io_uring *get() { return &ring_; }

private:
	io_uring ring_;
};

struct WorkerConfig {
	const Options *opt;
	int fd;
	unsigned id;
	uint32_t block_size;
	uint32_t min_blocks, max_blocks; // request size range, in blocks
	uint64_t first_block, nblocks;   // this worker's part, in blocks
	uint64_t seed;
	uint64_t ops_limit;              // 0: no limit
	std::chrono::duration<double> duration; // random phase length when !ops_limit
	const std::atomic<bool> *stop;   // set on SIGINT/SIGTERM
	const std::atomic<bool> *fence;  // set on SIGUSR1 (--lossy: no more replaces)
};

class Worker {
public:
	explicit Worker(const WorkerConfig &cfg);
	// Runs --prefill, the random phase and the final verify, or only the
	// self-consistency verify for --verify-only.
	ThreadResult run();

private:
	enum class Mode { prefill, random, verify, verify_only };
	enum class Gen { issued, busy, done };
	struct Slot {
		uint64_t block = 0; // relative to this worker's range
		uint32_t nblocks = 0;
		bool write = false;
		uint64_t seq = 0;
		std::chrono::steady_clock::time_point start;
	};

	void run_phase(Mode m, PhaseStats &ps);
	Gen generate(Mode m, unsigned slot);
	void submit(unsigned slot);
	void complete(Mode m, unsigned slot, int res, PhaseStats &ps);
	void verify_blocks(Mode m, const Slot &s, const std::byte *buf);
	void on_eio(Mode m, const Slot &s);
	void selftest_inject(const std::string &kind);
	bool eio_allowed(uint64_t off, uint64_t len) const;
	void report(const char *kind, const Slot &s, uint64_t block_off, const std::string &detail);
	uint64_t abs_off(uint64_t block) const { return (cfg_.first_block + block) * cfg_.block_size; }

	WorkerConfig cfg_;
	const Options &opt_;
	uint32_t max_bytes_;
	Ring ring_;
	AlignedBuffer bufs_;
	std::vector<Slot> slots_;
	std::vector<unsigned> free_;
	ExpectedState exp_;
	VerifyCounts counts_;
	std::mt19937_64 rng_;
	uint64_t next_seq_ = 1;
	uint64_t cursor_ = 0;   // sequential phases
	uint64_t issued_ = 0;   // random phase
	unsigned inflight_ = 0;
	uint64_t fence_seq_ = 0; // --lossy: first seq generated after SIGUSR1 (0: none yet)
	std::vector<uint64_t> probes_; // --lossy verify: blocks to read alone
	std::chrono::steady_clock::time_point deadline_;
	unsigned reported_ = 0;
	bool fixed_bufs_ = false, fixed_file_ = false;
};

} // namespace pdm::stress
