// pdm-stress command line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

namespace pdm::stress {

struct ByteRange {
	uint64_t begin; // inclusive
	uint64_t end;   // exclusive
};

struct Options {
	std::string device;
	uint64_t offset = 0;                // bytes, start of the tested range
	std::optional<uint64_t> range;      // bytes; default: rest of the device
	unsigned qd = 128;
	unsigned threads = 1;
	std::optional<double> time_s;       // stop after this many seconds ...
	std::optional<uint64_t> ops;        // ... or after this many operations
	std::optional<uint32_t> block_size; // verify unit; default: logical block size
	std::optional<uint32_t> min_bs;
	std::optional<uint32_t> max_bs;
	unsigned read_pct = 50;
	uint64_t seed = 0;
	bool seed_given = false;
	bool registered_buffers = false;
	bool registered_files = false;
	bool allow_eio_any = false;
	std::vector<ByteRange> allow_eio;   // requests overlapping these may fail with EIO
	bool lossy = false;                 // reads may fail with EIO (lost blocks), see --lossy
	bool prefill = false;
	bool verify_only = false;
	bool allow_unwritten = false;       // --verify-only: blocks without a header are fine
	bool no_final_verify = false;
	bool json = false;
	bool quiet = false;
	std::string selftest_inject;        // corrupt|misdirected|stale: damage one block
	                                    // before the final verify (tests the checker)
	unsigned max_reports = 20;          // error lines printed per thread
};

// Parses argv; throws UsageError (with the message to print) on bad input.
// Returns nullopt when --help was printed.
std::optional<Options> parse_args(int argc, char **argv);

struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

void print_usage(std::FILE *to);

} // namespace pdm::stress
