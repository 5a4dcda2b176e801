#include "io_engine.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <sys/uio.h>
#include <unistd.h>

namespace pdm::stress {

using Clock = std::chrono::steady_clock;

Ring::Ring(unsigned entries, unsigned worker)
{
	if (int r = io_uring_queue_init(entries, &ring_, 0); r < 0)
		throw_errno("io_uring_queue_init(" + std::to_string(entries) + ") for thread " +
				    std::to_string(worker),
			    -r);
}

Ring::~Ring()
{
	io_uring_queue_exit(&ring_);
}

Worker::Worker(const WorkerConfig &cfg)
    : cfg_(cfg), opt_(*cfg.opt), max_bytes_(cfg.max_blocks * cfg.block_size),
      ring_(cfg.opt->qd, cfg.id), bufs_(size_t(cfg.opt->qd) * max_bytes_),
      slots_(cfg.opt->qd), exp_(cfg.first_block, cfg.nblocks, cfg.block_size, cfg.seed),
      rng_(cfg.seed ^ (0x9E3779B97F4A7C15ull * (cfg.id + 1)))
{
	for (unsigned i = opt_.qd; i-- > 0;)
		free_.push_back(i);
	std::string who = "thread " + std::to_string(cfg.id) + ": ";
	if (opt_.registered_buffers) {
		std::vector<iovec> iov(opt_.qd);
		for (unsigned i = 0; i < opt_.qd; i++)
			iov[i] = {bufs_.data() + size_t(i) * max_bytes_, max_bytes_};
		if (int r = io_uring_register_buffers(ring_.get(), iov.data(), opt_.qd); r < 0)
			throw_errno(who + "io_uring_register_buffers (" + std::to_string(opt_.qd) + " x " +
					    std::to_string(max_bytes_) + " bytes; check ulimit -l)",
				    -r);
		fixed_bufs_ = true;
	}
	if (opt_.registered_files) {
		if (int r = io_uring_register_files(ring_.get(), &cfg_.fd, 1); r < 0)
			throw_errno(who + "io_uring_register_files " + opt_.device, -r);
		fixed_file_ = true;
	}
}

ThreadResult Worker::run()
{
	ThreadResult r;
	if (opt_.verify_only) {
		run_phase(Mode::verify_only, r.verify);
	} else {
		if (opt_.prefill)
			run_phase(Mode::prefill, r.prefill);
		run_phase(Mode::random, r.run);
		if (cfg_.id == 0 && !opt_.selftest_inject.empty())
			selftest_inject(opt_.selftest_inject);
		if (!opt_.no_final_verify)
			run_phase(Mode::verify, r.verify);
		r.written_blocks = exp_.written_blocks();
		if (opt_.lossy)
			for (uint64_t b = 0; b < exp_.nblocks(); b++) {
				counts_.lost_marked += exp_.lost(b);
				counts_.suspect_left += exp_.suspect(b);
				counts_.fence_blocks += fence_seq_ && exp_.written_since(b, fence_seq_);
			}
	}
	r.counts = counts_;
	return r;
}

Worker::Gen Worker::generate(Mode m, unsigned slot)
{
	Slot &s = slots_[slot];
	const uint64_t n = exp_.nblocks();
	if (opt_.lossy && !fence_seq_ && cfg_.fence->load(std::memory_order_relaxed))
		fence_seq_ = next_seq_;
	if (m == Mode::verify && !probes_.empty()) {
		// --lossy: a block of a multi-block read that failed, alone.
		s.block = probes_.back();
		probes_.pop_back();
		s.nblocks = 1;
		s.write = false;
	} else if (m != Mode::random) {
		if (cursor_ >= n)
			// Reads still in flight may fail and leave blocks to probe.
			return opt_.lossy && m == Mode::verify && inflight_ ? Gen::busy : Gen::done;
		s.block = cursor_;
		s.nblocks = static_cast<uint32_t>(std::min<uint64_t>(cfg_.max_blocks, n - cursor_));
		s.write = m == Mode::prefill;
		cursor_ += s.nblocks;
	} else {
		if (cfg_.stop->load(std::memory_order_relaxed))
			return Gen::done;
		if (cfg_.ops_limit ? issued_ >= cfg_.ops_limit : Clock::now() >= deadline_)
			return Gen::done;
		bool write = rng_() % 100 >= opt_.read_pct;
		uint32_t span = cfg_.max_blocks - cfg_.min_blocks + 1;
		bool found = false;
		for (int tries = 0; tries < 8 && !found; tries++) {
			uint32_t nb = cfg_.min_blocks + static_cast<uint32_t>(rng_() % span);
			uint64_t b = rng_() % (n - nb + 1);
			if (write ? exp_.can_write(b, nb) : exp_.can_read(b, nb)) {
				s.block = b;
				s.nblocks = nb;
				found = true;
			}
		}
		if (!found)
			return Gen::busy;
		s.write = write;
		issued_++;
	}
	if (s.write) {
		exp_.begin_write(s.block, s.nblocks);
		s.seq = next_seq_++;
		std::byte *buf = bufs_.data() + size_t(slot) * max_bytes_;
		for (uint32_t i = 0; i < s.nblocks; i++)
			format_block({buf + size_t(i) * cfg_.block_size, cfg_.block_size},
				     abs_off(s.block + i), s.seq, cfg_.seed, cfg_.id);
	} else if (m != Mode::verify_only) {
		exp_.begin_read(s.block, s.nblocks);
	}
	return Gen::issued;
}

void Worker::submit(unsigned slot)
{
	Slot &s = slots_[slot];
	io_uring_sqe *sqe = io_uring_get_sqe(ring_.get());
	if (!sqe) // cannot happen: at most qd requests outstanding
		throw SetupError("thread " + std::to_string(cfg_.id) + ": submission queue full");
	std::byte *buf = bufs_.data() + size_t(slot) * max_bytes_;
	unsigned len = s.nblocks * cfg_.block_size;
	uint64_t off = abs_off(s.block);
	int fd = fixed_file_ ? 0 : cfg_.fd;
	if (fixed_bufs_) {
		if (s.write)
			io_uring_prep_write_fixed(sqe, fd, buf, len, off, static_cast<int>(slot));
		else
			io_uring_prep_read_fixed(sqe, fd, buf, len, off, static_cast<int>(slot));
	} else {
		if (s.write)
			io_uring_prep_write(sqe, fd, buf, len, off);
		else
			io_uring_prep_read(sqe, fd, buf, len, off);
	}
	if (fixed_file_)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, slot);
	s.start = Clock::now();
}

void Worker::run_phase(Mode m, PhaseStats &ps)
{
	cursor_ = 0;
	issued_ = 0;
	unsigned &inflight = inflight_;
	inflight = 0;
	bool done = false;
	auto t0 = Clock::now();
	deadline_ = t0 + std::chrono::duration_cast<Clock::duration>(cfg_.duration);
	for (;;) {
		while (!done && !free_.empty()) {
			unsigned slot = free_.back();
			Gen g = generate(m, slot);
			if (g == Gen::done)
				done = true;
			if (g != Gen::issued)
				break;
			free_.pop_back();
			submit(slot);
			inflight++;
		}
		if (!inflight) {
			if (done)
				break;
			// Nothing in flight means nothing can conflict.
			throw SetupError("thread " + std::to_string(cfg_.id) +
					 ": no request could be generated");
		}
		int r = io_uring_submit_and_wait(ring_.get(), 1);
		if (r < 0 && r != -EINTR)
			throw_errno("thread " + std::to_string(cfg_.id) + ": io_uring_submit_and_wait", -r);
		io_uring_cqe *cqe;
		while (io_uring_peek_cqe(ring_.get(), &cqe) == 0) {
			auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
			int res = cqe->res;
			io_uring_cqe_seen(ring_.get(), cqe);
			complete(m, slot, res, ps);
			free_.push_back(slot);
			inflight--;
		}
	}
	ps.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
}

bool Worker::eio_allowed(uint64_t off, uint64_t len) const
{
	if (opt_.allow_eio_any)
		return true;
	for (auto &r : opt_.allow_eio)
		if (off < r.end && r.begin < off + len)
			return true;
	return false;
}

void Worker::report(const char *kind, const Slot &s, uint64_t block_off, const std::string &detail)
{
	if (reported_ > opt_.max_reports)
		return;
	if (reported_++ == opt_.max_reports) {
		std::fprintf(stderr, "pdm-stress: thread %u: further errors not shown\n", cfg_.id);
		return;
	}
	std::fprintf(stderr,
		     "pdm-stress: thread %u: %s at offset %" PRIu64 " (%s %" PRIu64 "+%u%s%s)\n",
		     cfg_.id, kind, block_off, s.write ? "write" : "read", abs_off(s.block),
		     s.nblocks * cfg_.block_size, detail.empty() ? "" : ": ", detail.c_str());
}

void Worker::verify_blocks(Mode m, const Slot &s, const std::byte *buf)
{
	for (uint32_t i = 0; i < s.nblocks; i++) {
		std::span<const std::byte> blk{buf + size_t(i) * cfg_.block_size, cfg_.block_size};
		uint64_t off = abs_off(s.block + i);
		VerifyResult v = m == Mode::verify_only
				     ? verify_self_consistent(off, blk, opt_.allow_unwritten)
				     : exp_.verify(s.block + i, blk);
		counts_.blocks_checked++;
		switch (v.verdict) {
		case Verdict::ok:
			counts_.ok++;
			if (opt_.lossy)
				exp_.read_ok(s.block + i);
			break;
		case Verdict::unwritten:
			counts_.unwritten++;
			if (opt_.lossy)
				exp_.read_ok(s.block + i);
			break;
		case Verdict::resurrected:
			counts_.resurrected++;
			report("RESURRECTED block", s, off, v.detail);
			break;
		case Verdict::corrupt:
			counts_.corrupt++;
			report("CORRUPT block", s, off, v.detail);
			break;
		case Verdict::misdirected:
			counts_.misdirected++;
			report("MISDIRECTED block", s, off, v.detail);
			break;
		case Verdict::stale:
			counts_.stale++;
			report("STALE block", s, off, v.detail);
			break;
		}
	}
}

void Worker::on_eio(Mode m, const Slot &s)
{
	uint64_t off = abs_off(s.block), len = uint64_t(s.nblocks) * cfg_.block_size;
	if (s.write)
		counts_.eio_write++;
	if (m == Mode::verify)
		counts_.eio_verify++;
	if (opt_.lossy && !s.write && m != Mode::verify_only) {
		// Lost blocks: allowed; which of them failed is found out by
		// reading them alone (in the final verify at once, in the
		// random phase when a one-block read hits them).
		// After the fence (SIGUSR1: the caller promises no more key
		// replaces) a block written since cannot be lost: a read of
		// only such blocks must not fail.
		bool all_new = fence_seq_ != 0;
		for (uint32_t i = 0; i < s.nblocks && all_new; i++)
			all_new = exp_.written_since(s.block + i, fence_seq_);
		exp_.read_failed(s.block, s.nblocks);
		if (all_new) {
			counts_.eio_not_allowed++;
			counts_.eio_after_fence++;
			report("EIO on blocks written after the fence (SIGUSR1)", s, off, "");
			return;
		}
		counts_.eio_allowed++;
		counts_.eio_lossy++;
		if (m == Mode::verify) {
			if (s.nblocks == 1)
				counts_.lost_blocks++;
			else
				for (uint32_t i = s.nblocks; i-- > 0;)
					probes_.push_back(s.block + i);
		}
		return;
	}
	if (eio_allowed(off, len)) {
		counts_.eio_allowed++;
	} else {
		counts_.eio_not_allowed++;
		report("EIO (not allowed)", s, off, "");
	}
}

void Worker::complete(Mode m, unsigned slot, int res, PhaseStats &ps)
{
	const Slot &s = slots_[slot];
	auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s.start).count();
	ps.lat.add(static_cast<uint64_t>(ns));
	const unsigned len = s.nblocks * cfg_.block_size;
	if (s.write)
		ps.writes++;
	else
		ps.reads++;
	if (res == static_cast<int>(len)) {
		if (s.write) {
			ps.bytes_written += len;
			exp_.end_write(s.block, s.nblocks, s.seq);
		} else {
			ps.bytes_read += len;
			verify_blocks(m, s, bufs_.data() + size_t(slot) * max_bytes_);
			if (m != Mode::verify_only)
				exp_.end_read(s.block, s.nblocks);
		}
		return;
	}
	if (res == -EIO) {
		on_eio(m, s);
	} else if (res >= 0) {
		counts_.short_io++;
		report("SHORT I/O", s, abs_off(s.block), std::to_string(res) + " bytes");
	} else {
		counts_.other_errors++;
		report("I/O ERROR", s, abs_off(s.block), std::strerror(-res));
	}
	// A failed write may have reached any part of its blocks.
	if (s.write)
		exp_.end_write_failed(s.block, s.nblocks, s.seq);
	else if (m != Mode::verify_only)
		exp_.end_read(s.block, s.nblocks);
}

} // namespace pdm::stress

namespace pdm::stress {

// Overwrites one settled written block behind the checker's back.
void Worker::selftest_inject(const std::string &kind)
{
	const uint64_t n = exp_.nblocks();
	uint64_t b = 0, seq = 0, nseq = 0;
	bool found = false;
	for (uint64_t i = 0; i + 1 < n && !found; i++) {
		bool settled = exp_.settled_seq(i, seq) && exp_.settled_seq(i + 1, nseq);
		found = settled && seq >= 2 && nseq >= 1;
		b = i;
	}
	if (!found)
		throw SetupError("--selftest-inject: no suitable written block in thread 0's range");
	AlignedBuffer buf(cfg_.block_size);
	std::span<std::byte> blk{buf.data(), cfg_.block_size};
	uint64_t off = abs_off(b);
	if (kind == "stale") {
		format_block(blk, off, seq - 1, cfg_.seed, cfg_.id);
	} else if (kind == "misdirected") {
		format_block(blk, abs_off(b + 1), nseq, cfg_.seed, cfg_.id);
	} else {
		format_block(blk, off, seq, cfg_.seed, cfg_.id);
		blk[cfg_.block_size - 1] ^= std::byte{0x01};
	}
	ssize_t w = ::pwrite(cfg_.fd, buf.data(), cfg_.block_size, static_cast<off_t>(off));
	if (w != static_cast<ssize_t>(cfg_.block_size))
		throw_errno("--selftest-inject: pwrite " + opt_.device + " at " + std::to_string(off),
			    w < 0 ? errno : EIO);
	std::fprintf(stderr, "pdm-stress: selftest: wrote a %s block at offset %" PRIu64 "\n",
		     kind.c_str(), off);
}

} // namespace pdm::stress
