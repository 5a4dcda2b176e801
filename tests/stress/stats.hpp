// Counters, latency histogram, and the summary (text or JSON).
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace pdm::stress {

// Log-linear latency histogram: 16 sub-buckets per power of two (<7% error).
class LatencyHist {
public:
	void add(uint64_t ns);
	void merge(const LatencyHist &o);
	uint64_t count() const { return count_; }
	uint64_t max() const { return max_; }
	uint64_t percentile(double p) const; // ns; 0 if empty
private:
	static constexpr unsigned kSub = 4;
	std::array<uint64_t, 64 << kSub> b_{};
	uint64_t count_ = 0, max_ = 0;
};

struct PhaseStats {
	uint64_t reads = 0, writes = 0;
	uint64_t bytes_read = 0, bytes_written = 0;
	double seconds = 0;
	LatencyHist lat;
	void merge(const PhaseStats &o);
};

struct VerifyCounts {
	uint64_t blocks_checked = 0;
	uint64_t ok = 0;
	uint64_t corrupt = 0;
	uint64_t misdirected = 0;
	uint64_t stale = 0;
	uint64_t resurrected = 0;      // --lossy: a lost block read as data
	uint64_t unwritten = 0;        // unwritten but read ok (not checkable)
	uint64_t eio_allowed = 0;      // requests failing with EIO, allowed
	uint64_t eio_not_allowed = 0;  // requests failing with EIO, not allowed
	uint64_t eio_write = 0;        // of the EIOs above, writes
	uint64_t eio_verify = 0;       // of the EIOs above, in the final verify
	uint64_t eio_lossy = 0;        // --lossy: read EIOs (also in eio_allowed)
	uint64_t lost_blocks = 0;      // --lossy: blocks failing with EIO in the final verify
	uint64_t lost_marked = 0;      // --lossy: blocks known lost at the end
	uint64_t suspect_left = 0;     // --lossy: blocks still undecided at the end
	uint64_t eio_after_fence = 0;  // --lossy: EIO on blocks written after SIGUSR1 (not allowed)
	uint64_t fence_blocks = 0;     // --lossy: blocks last written after SIGUSR1
	uint64_t short_io = 0;
	uint64_t other_errors = 0;
	void merge(const VerifyCounts &o);
	uint64_t wrong() const { return corrupt + misdirected + stale + resurrected; }
};

struct ThreadResult {
	PhaseStats prefill, run, verify;
	VerifyCounts counts;
	uint64_t written_blocks = 0;
};

struct RunInfo {
	std::string device;
	uint64_t offset, range;
	uint32_t block_size, min_bs, max_bs;
	unsigned qd, threads, read_pct;
	uint64_t seed;
	bool registered_buffers, registered_files, verify_only;
	bool lossy = false;
	bool final_verify = true;
};

enum ExitCode : int {
	kExitOk = 0,
	kExitWrongData = 1,
	kExitEio = 2,
	kExitIoError = 3,
	kExitUsage = 64,
	kExitSetup = 70,
};

int exit_code(const VerifyCounts &c);

void print_summary(std::FILE *to, const RunInfo &info, const ThreadResult &total, bool json);

} // namespace pdm::stress
