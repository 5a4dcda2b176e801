// pdm-stress: io_uring O_DIRECT data-integrity stress for block devices.
// Options and exit codes: print_usage() in args.cpp; VM use: tests/vm/paes/stress.sh.
#include "args.hpp"
#include "device.hpp"
#include "io_engine.hpp"
#include "stats.hpp"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using namespace pdm::stress;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_fence{false};

extern "C" void on_signal(int)
{
	g_stop.store(true);
}

extern "C" void on_fence(int)
{
	g_fence.store(true);
}

struct Geometry {
	uint32_t bs, min_bs, max_bs;
	uint64_t offset, range;
};

Geometry geometry(const Options &o, const Device &d)
{
	Geometry g{};
	g.bs = o.block_size ? *o.block_size : (d.is_block ? d.logical_block : 4096);
	if (g.bs < 512 || g.bs % d.logical_block || (g.bs & (g.bs - 1)))
		throw UsageError("block size " + std::to_string(g.bs) +
				 " must be a power of two >= 512 and a multiple of the logical block size " +
				 std::to_string(d.logical_block) + " of " + d.path);
	g.min_bs = o.min_bs ? *o.min_bs : g.bs;
	g.max_bs = o.max_bs ? *o.max_bs : std::max<uint32_t>(64 << 10, g.min_bs);
	if (g.min_bs % g.bs || g.max_bs % g.bs || !g.min_bs || g.min_bs > g.max_bs)
		throw UsageError("--min-bs " + std::to_string(g.min_bs) + " / --max-bs " +
				 std::to_string(g.max_bs) + ": must be multiples of the block size " +
				 std::to_string(g.bs) + " with min <= max");
	if (g.max_bs > (64u << 20))
		throw UsageError("--max-bs is limited to 64 MiB");
	if (o.offset % g.bs)
		throw UsageError("--offset " + std::to_string(o.offset) +
				 " is not a multiple of the block size " + std::to_string(g.bs));
	if (o.offset >= d.size)
		throw UsageError("--offset " + std::to_string(o.offset) + " is beyond the end of " +
				 d.path + " (" + std::to_string(d.size) + " bytes)");
	g.offset = o.offset;
	g.range = o.range ? *o.range : d.size - o.offset;
	if (g.range > d.size - o.offset)
		throw UsageError("range " + std::to_string(o.offset) + "+" + std::to_string(g.range) +
				 " exceeds " + d.path + " (" + std::to_string(d.size) + " bytes)");
	g.range -= g.range % g.bs;
	uint64_t per_thread = g.range / g.bs / o.threads;
	if (per_thread < g.min_bs / g.bs)
		throw UsageError("range " + std::to_string(g.range) + " bytes is too small for " +
				 std::to_string(o.threads) + " thread(s) of --min-bs " +
				 std::to_string(g.min_bs));
	return g;
}

int run(const Options &o)
{
	Device dev = open_device(o.device, !o.verify_only);
	Geometry g = geometry(o, dev);
	uint64_t seed = o.seed;
	if (!o.seed_given)
		seed = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
	const uint64_t total_blocks = g.range / g.bs;
	const uint64_t first = g.offset / g.bs;
	if (!o.json && !o.quiet)
		std::fprintf(stderr,
			     "pdm-stress: %s: %" PRIu64 " blocks of %u from %" PRIu64 ", seed %" PRIu64
			     "\n",
			     o.device.c_str(), total_blocks, g.bs, g.offset, seed);

	std::vector<std::unique_ptr<Worker>> workers;
	for (unsigned t = 0; t < o.threads; t++) {
		uint64_t b0 = total_blocks * t / o.threads, b1 = total_blocks * (t + 1) / o.threads;
		WorkerConfig c{};
		c.opt = &o;
		c.fd = dev.fd.get();
		c.id = t;
		c.block_size = g.bs;
		c.min_blocks = g.min_bs / g.bs;
		c.max_blocks = static_cast<uint32_t>(std::min<uint64_t>(g.max_bs / g.bs, b1 - b0));
		if (c.min_blocks > c.max_blocks)
			c.min_blocks = c.max_blocks;
		c.first_block = first + b0;
		c.nblocks = b1 - b0;
		c.seed = seed;
		c.ops_limit = o.ops ? *o.ops / o.threads + (t < *o.ops % o.threads) : 0;
		if (o.ops && !c.ops_limit)
			c.ops_limit = 1;
		c.duration = std::chrono::duration<double>(o.time_s.value_or(0));
		c.stop = &g_stop;
		c.fence = &g_fence;
		workers.push_back(std::make_unique<Worker>(c));
	}

	std::vector<ThreadResult> results(o.threads);
	std::vector<std::exception_ptr> errors(o.threads);
	{
		std::vector<std::jthread> th;
		for (unsigned t = 0; t < o.threads; t++)
			th.emplace_back([&, t] {
				try {
					results[t] = workers[t]->run();
				} catch (...) {
					errors[t] = std::current_exception();
					g_stop.store(true);
				}
			});
	}
	for (auto &e : errors)
		if (e)
			std::rethrow_exception(e);

	ThreadResult total;
	for (auto &r : results) {
		total.prefill.merge(r.prefill);
		total.run.merge(r.run);
		total.verify.merge(r.verify);
		total.counts.merge(r.counts);
		total.written_blocks += r.written_blocks;
	}
	RunInfo info{o.device, g.offset, g.range, g.bs, g.min_bs, g.max_bs, o.qd, o.threads,
		     o.read_pct, seed, o.registered_buffers, o.registered_files, o.verify_only};
	info.lossy = o.lossy;
	info.final_verify = !o.no_final_verify;
	print_summary(stdout, info, total, o.json);
	return exit_code(total.counts);
}

} // namespace

int main(int argc, char **argv)
{
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	std::signal(SIGUSR1, on_fence);
	try {
		auto o = parse_args(argc, argv);
		if (!o)
			return 0;
		return run(*o);
	} catch (const UsageError &e) {
		std::fprintf(stderr, "pdm-stress: %s\n(see pdm-stress --help)\n", e.what());
		return kExitUsage;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "pdm-stress: %s\n", e.what());
		return kExitSetup;
	}
}
