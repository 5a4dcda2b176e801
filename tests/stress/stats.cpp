#include "stats.hpp"

#include <bit>
#include <cinttypes>

namespace pdm::stress {

void LatencyHist::add(uint64_t ns)
{
	unsigned idx;
	if (ns < (1u << kSub)) {
		idx = static_cast<unsigned>(ns);
	} else {
		unsigned msb = 63 - static_cast<unsigned>(std::countl_zero(ns));
		unsigned sub = static_cast<unsigned>((ns >> (msb - kSub)) & ((1u << kSub) - 1));
		idx = ((msb - kSub + 1) << kSub) + sub;
	}
	b_[idx]++;
	count_++;
	if (ns > max_)
		max_ = ns;
}

void LatencyHist::merge(const LatencyHist &o)
{
	for (size_t i = 0; i < b_.size(); i++)
		b_[i] += o.b_[i];
	count_ += o.count_;
	if (o.max_ > max_)
		max_ = o.max_;
}

uint64_t LatencyHist::percentile(double p) const
{
	if (!count_)
		return 0;
	uint64_t want = static_cast<uint64_t>(p / 100.0 * static_cast<double>(count_));
	if (want >= count_)
		want = count_ - 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < b_.size(); i++) {
		seen += b_[i];
		if (seen > want) {
			if (i < (1u << kSub))
				return i;
			unsigned e = (i >> kSub) - 1 + kSub; // msb
			uint64_t sub = i & ((1u << kSub) - 1);
			// upper edge of the bucket, capped at the max seen
			uint64_t v = ((uint64_t(1) << kSub | sub) + 1) << (e - kSub);
			return v > max_ ? max_ : v;
		}
	}
	return max_;
}

void PhaseStats::merge(const PhaseStats &o)
{
	reads += o.reads;
	writes += o.writes;
	bytes_read += o.bytes_read;
	bytes_written += o.bytes_written;
	if (o.seconds > seconds)
		seconds = o.seconds;
	lat.merge(o.lat);
}

void VerifyCounts::merge(const VerifyCounts &o)
{
	blocks_checked += o.blocks_checked;
	ok += o.ok;
	corrupt += o.corrupt;
	misdirected += o.misdirected;
	stale += o.stale;
	resurrected += o.resurrected;
	unwritten += o.unwritten;
	eio_allowed += o.eio_allowed;
	eio_not_allowed += o.eio_not_allowed;
	eio_write += o.eio_write;
	eio_verify += o.eio_verify;
	eio_lossy += o.eio_lossy;
	lost_blocks += o.lost_blocks;
	lost_marked += o.lost_marked;
	suspect_left += o.suspect_left;
	eio_after_fence += o.eio_after_fence;
	fence_blocks += o.fence_blocks;
	short_io += o.short_io;
	other_errors += o.other_errors;
}

int exit_code(const VerifyCounts &c)
{
	if (c.wrong())
		return kExitWrongData;
	if (c.eio_not_allowed)
		return kExitEio;
	if (c.short_io || c.other_errors)
		return kExitIoError;
	return kExitOk;
}

namespace {

void phase_text(std::FILE *to, const char *name, const PhaseStats &p)
{
	uint64_t ops = p.reads + p.writes;
	if (!ops)
		return;
	double s = p.seconds > 0 ? p.seconds : 1e-9;
	std::fprintf(to,
		     "%-8s %10" PRIu64 " ops (%" PRIu64 " r, %" PRIu64 " w) in %.2f s, %.0f IOPS, "
		     "%.1f MiB/s read, %.1f MiB/s write\n",
		     name, ops, p.reads, p.writes, p.seconds, double(ops) / s,
		     double(p.bytes_read) / s / 1048576.0, double(p.bytes_written) / s / 1048576.0);
	std::fprintf(to, "%-8s latency us: p50 %.1f  p99 %.1f  max %.1f\n", "",
		     double(p.lat.percentile(50)) / 1e3, double(p.lat.percentile(99)) / 1e3,
		     double(p.lat.max()) / 1e3);
}

void phase_json(std::FILE *to, const char *name, const PhaseStats &p, bool last)
{
	double s = p.seconds > 0 ? p.seconds : 1e-9;
	uint64_t ops = p.reads + p.writes;
	std::fprintf(to,
		     "  \"%s\": {\"ops\": %" PRIu64 ", \"reads\": %" PRIu64 ", \"writes\": %" PRIu64
		     ", \"bytes_read\": %" PRIu64 ", \"bytes_written\": %" PRIu64
		     ", \"seconds\": %.3f, \"iops\": %.0f, \"lat_ns\": {\"p50\": %" PRIu64
		     ", \"p99\": %" PRIu64 ", \"max\": %" PRIu64 "}}%s\n",
		     name, ops, p.reads, p.writes, p.bytes_read, p.bytes_written, p.seconds,
		     ops ? double(ops) / s : 0.0, p.lat.percentile(50), p.lat.percentile(99),
		     p.lat.max(), last ? "" : ",");
}

// JSON string escaping for the device path.
std::string jstr(const std::string &s)
{
	std::string r = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			r += '\\';
			r += static_cast<char>(c);
		} else if (c < 0x20) {
			char buf[8];
			std::snprintf(buf, sizeof buf, "\\u%04x", c);
			r += buf;
		} else {
			r += static_cast<char>(c);
		}
	}
	return r + "\"";
}

} // namespace

void print_summary(std::FILE *to, const RunInfo &i, const ThreadResult &t, bool json)
{
	const VerifyCounts &c = t.counts;
	int rc = exit_code(c);
	if (json) {
		std::fprintf(to,
			     "{\n  \"device\": %s, \"offset\": %" PRIu64 ", \"range\": %" PRIu64
			     ", \"block_size\": %u, \"min_bs\": %u, \"max_bs\": %u, \"qd\": %u, "
			     "\"threads\": %u, \"read_pct\": %u, \"seed\": %" PRIu64
			     ", \"registered_buffers\": %s, \"registered_files\": %s, "
			     "\"verify_only\": %s,\n",
			     jstr(i.device).c_str(), i.offset, i.range, i.block_size, i.min_bs, i.max_bs,
			     i.qd, i.threads, i.read_pct, i.seed, i.registered_buffers ? "true" : "false",
			     i.registered_files ? "true" : "false", i.verify_only ? "true" : "false");
		phase_json(to, "prefill", t.prefill, false);
		phase_json(to, "run", t.run, false);
		phase_json(to, "verify", t.verify, false);
		std::fprintf(to,
			     "  \"blocks_checked\": %" PRIu64 ", \"blocks_ok\": %" PRIu64
			     ", \"written_blocks\": %" PRIu64 ",\n"
			     "  \"errors\": {\"corrupt\": %" PRIu64 ", \"misdirected\": %" PRIu64
			     ", \"stale\": %" PRIu64 ", \"resurrected\": %" PRIu64
			     ", \"unwritten_read_ok\": %" PRIu64
			     ", \"eio_allowed\": %" PRIu64 ", \"eio_not_allowed\": %" PRIu64
			     ", \"eio_writes\": %" PRIu64 ", \"eio_verify\": %" PRIu64
			     ", \"short_io\": %" PRIu64
			     ", \"other_errors\": %" PRIu64 "},\n"
			     "  \"wrong_blocks\": %" PRIu64 ", \"exit_code\": %d",
			     c.blocks_checked, c.ok, t.written_blocks, c.corrupt, c.misdirected, c.stale,
			     c.resurrected, c.unwritten, c.eio_allowed, c.eio_not_allowed, c.eio_write,
			     c.eio_verify, c.short_io, c.other_errors, c.wrong(), rc);
		if (i.lossy)
			// lost_blocks is -1 without the final verify: then
			// nothing was counted.
			std::fprintf(to,
				     ",\n  \"lossy\": {\"eio_reads\": %" PRIu64 ", \"lost_blocks\": %" PRId64
				     ", \"lost_marked\": %" PRIu64 ", \"suspect_left\": %" PRIu64
				     ", \"fence_blocks\": %" PRIu64 ", \"eio_after_fence\": %" PRIu64 "}",
				     c.eio_lossy,
				     i.final_verify ? static_cast<int64_t>(c.lost_blocks) : int64_t{-1},
				     c.lost_marked, c.suspect_left, c.fence_blocks, c.eio_after_fence);
		std::fputs("\n}\n", to);
		return;
	}
	std::fprintf(to,
		     "pdm-stress %s: range %" PRIu64 "+%" PRIu64 ", block %u, bs %u..%u, qd %u, "
		     "threads %u, read %u%%, seed %" PRIu64 "%s%s%s\n",
		     i.device.c_str(), i.offset, i.range, i.block_size, i.min_bs, i.max_bs, i.qd,
		     i.threads, i.read_pct, i.seed, i.registered_buffers ? ", fixed buffers" : "",
		     i.registered_files ? ", fixed files" : "", i.verify_only ? ", verify-only" : "");
	phase_text(to, "prefill", t.prefill);
	phase_text(to, "run", t.run);
	phase_text(to, "verify", t.verify);
	std::fprintf(to,
		     "blocks checked %" PRIu64 ": ok %" PRIu64 ", corrupt %" PRIu64
		     ", misdirected %" PRIu64 ", stale %" PRIu64 ", unwritten-but-read-ok %" PRIu64
		     "%s\n",
		     c.blocks_checked, c.ok, c.corrupt, c.misdirected, c.stale, c.unwritten,
		     i.lossy ? (", resurrected " + std::to_string(c.resurrected)).c_str() : "");
	std::fprintf(to,
		     "EIO: %" PRIu64 " allowed, %" PRIu64 " not allowed (%" PRIu64
		     " on writes); short I/O %" PRIu64 "; other errors %" PRIu64 "\n",
		     c.eio_allowed, c.eio_not_allowed, c.eio_write, c.short_io, c.other_errors);
	if (i.lossy) {
		std::fprintf(to, "lossy: %" PRIu64 " read EIOs; ", c.eio_lossy);
		if (i.final_verify)
			std::fprintf(to, "lost blocks in the final verify %" PRIu64, c.lost_blocks);
		else
			std::fputs("no final verify, lost blocks not counted", to);
		std::fprintf(to, " (known lost %" PRIu64 ", undecided %" PRIu64 ")\n", c.lost_marked,
			     c.suspect_left);
		if (c.fence_blocks || c.eio_after_fence)
			std::fprintf(to,
				     "lossy: %" PRIu64 " blocks written after the fence (SIGUSR1), %" PRIu64
				     " EIOs on them (not allowed)\n",
				     c.fence_blocks, c.eio_after_fence);
	}
	std::fprintf(to, "RESULT: %s (wrong blocks %" PRIu64 ", exit %d)\n",
		     rc == kExitOk            ? "OK"
		     : rc == kExitWrongData ? "WRONG DATA"
		     : rc == kExitEio       ? "EIO NOT ALLOWED"
					    : "I/O ERRORS",
		     c.wrong(), rc);
}

} // namespace pdm::stress
