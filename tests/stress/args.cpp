#include "args.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace pdm::stress {

namespace {

// "123", "4k", "64M", "1G" (binary units).
uint64_t parse_size(std::string_view opt, std::string_view s)
{
	uint64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p == s.data())
		throw UsageError(std::string(opt) + ": not a size: '" + std::string(s) + "'");
	std::string_view rest(p, s.data() + s.size() - p);
	unsigned shift = 0;
	if (rest == "" || rest == "b" || rest == "B")
		shift = 0;
	else if (rest == "k" || rest == "K" || rest == "KiB")
		shift = 10;
	else if (rest == "m" || rest == "M" || rest == "MiB")
		shift = 20;
	else if (rest == "g" || rest == "G" || rest == "GiB")
		shift = 30;
	else
		throw UsageError(std::string(opt) + ": bad unit in '" + std::string(s) + "'");
	if (shift && v > (UINT64_MAX >> shift))
		throw UsageError(std::string(opt) + ": too large: '" + std::string(s) + "'");
	return v << shift;
}

uint64_t parse_uint(std::string_view opt, std::string_view s, uint64_t max = UINT64_MAX)
{
	uint64_t v = 0;
	int base = 10;
	if (s.starts_with("0x") || s.starts_with("0X")) {
		s.remove_prefix(2);
		base = 16;
	}
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
	if (ec != std::errc() || p != s.data() + s.size() || s.empty())
		throw UsageError(std::string(opt) + ": not a number: '" + std::string(s) + "'");
	if (v > max)
		throw UsageError(std::string(opt) + ": " + std::string(s) + " exceeds " +
				 std::to_string(max));
	return v;
}

double parse_seconds(std::string_view opt, std::string_view s)
{
	double v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size() || !(v > 0))
		throw UsageError(std::string(opt) + ": not a positive number of seconds: '" +
				 std::string(s) + "'");
	return v;
}

// "A:B" byte range, A inclusive, B exclusive; units allowed.  nullopt when
// s does not look like a range; UsageError when it does but is wrong.
std::optional<ByteRange> try_range(std::string_view s)
{
	auto colon = s.find(':');
	if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size() ||
	    s.starts_with("-"))
		return std::nullopt;
	ByteRange r{parse_size("--allow-eio", s.substr(0, colon)),
		    parse_size("--allow-eio", s.substr(colon + 1))};
	if (r.end <= r.begin)
		throw UsageError("--allow-eio: empty range '" + std::string(s) + "'");
	return r;
}

} // namespace

void print_usage(std::FILE *to)
{
	std::fputs(
	    "usage: pdm-stress --device PATH [options]\n"
	    "Random O_DIRECT reads and writes through io_uring; every block carries a\n"
	    "header (offset, sequence, seed) and a checksum, every read is verified.\n"
	    "\n"
	    "  --device PATH           block device or regular file (O_DIRECT)\n"
	    "  --offset BYTES          start of the tested range (default 0)\n"
	    "  --range-mb N            size of the tested range (default: to the end)\n"
	    "  --range BYTES           same, in bytes (units k/M/G)\n"
	    "  --qd N                  requests in flight per thread (default 128)\n"
	    "  --threads N             rings/threads on disjoint ranges (default 1)\n"
	    "  --time S | --ops N      run length (default --time 10)\n"
	    "  --block-size BYTES      verify unit (default: logical block size;\n"
	    "                          4096 for regular files)\n"
	    "  --min-bs/--max-bs BYTES request sizes (default block size .. 64k)\n"
	    "  --read-pct P            percent reads (default 50)\n"
	    "  --seed N                random seed, stored in every header\n"
	    "  --registered-buffers    io_uring fixed buffers\n"
	    "  --registered-files      io_uring fixed files\n"
	    "  --allow-eio [A:B]       without A:B: any EIO is allowed (still counted);\n"
	    "                          with A:B (bytes, repeatable): EIO allowed for\n"
	    "                          requests overlapping [A,B)\n"
	    "  --lossy                 reads may fail with EIO because a key replace made\n"
	    "                          blocks unreadable (dm-paes lost blocks): a block\n"
	    "                          read alone with EIO is lost and must fail again\n"
	    "                          until it is rewritten (data from it is an error,\n"
	    "                          'resurrected'); the final verify reads every\n"
	    "                          block (failed multi-block reads again block by\n"
	    "                          block) and counts the lost ones (lost_blocks).\n"
	    "                          Write EIOs still need --allow-eio.  SIGUSR1 sets\n"
	    "                          a fence (the caller promises no more key\n"
	    "                          replaces): reads of blocks written after it must\n"
	    "                          not fail\n"
	    "  --prefill               write the whole range once first\n"
	    "  --no-final-verify       skip reading the whole range at the end\n"
	    "  --verify-only           read the whole range, check each header is\n"
	    "                          self-consistent (offset, checksum)\n"
	    "  --allow-unwritten       with --verify-only: blocks without a header pass\n"
	    "  --selftest-inject KIND  corrupt|misdirected|stale: thread 0 overwrites one\n"
	    "                          written block (pwrite) before the final verify,\n"
	    "                          which must then report it and exit 1\n"
	    "  --json                  summary as JSON on stdout\n"
	    "  --quiet                 no progress lines\n"
	    "\n"
	    "exit: 0 ok, 1 wrong data (corrupt/misdirected/stale/resurrected),\n"
	    "      2 EIO not allowed, 3 other I/O errors (short I/O, other errno),\n"
	    "      64 usage, 70 setup error\n",
	    to);
}

std::optional<Options> parse_args(int argc, char **argv)
{
	Options o;
	bool range_mb_given = false, range_given = false;
	for (int i = 1; i < argc; i++) {
		std::string_view a = argv[i];
		std::string_view val;
		bool has_inline = false;
		if (auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
			val = a.substr(eq + 1);
			a = a.substr(0, eq);
			has_inline = true;
		}
		auto need = [&]() -> std::string_view {
			if (has_inline)
				return val;
			if (i + 1 >= argc)
				throw UsageError(std::string(a) + " needs a value");
			return argv[++i];
		};
		auto flag = [&] {
			if (has_inline)
				throw UsageError(std::string(a) + " takes no value");
		};
		if (a == "-h" || a == "--help") {
			print_usage(stdout);
			return std::nullopt;
		} else if (a == "--device") {
			o.device = need();
		} else if (a == "--offset") {
			o.offset = parse_size(a, need());
		} else if (a == "--range-mb") {
			o.range = parse_uint(a, need(), UINT64_MAX >> 20) << 20;
			range_mb_given = true;
		} else if (a == "--range") {
			o.range = parse_size(a, need());
			range_given = true;
		} else if (a == "--qd") {
			o.qd = static_cast<unsigned>(parse_uint(a, need(), 4096));
			if (!o.qd)
				throw UsageError("--qd must be at least 1");
		} else if (a == "--threads") {
			o.threads = static_cast<unsigned>(parse_uint(a, need(), 256));
			if (!o.threads)
				throw UsageError("--threads must be at least 1");
		} else if (a == "--time") {
			o.time_s = parse_seconds(a, need());
		} else if (a == "--ops") {
			o.ops = parse_uint(a, need());
		} else if (a == "--block-size") {
			o.block_size = static_cast<uint32_t>(parse_size(a, need()));
		} else if (a == "--min-bs") {
			o.min_bs = static_cast<uint32_t>(parse_size(a, need()));
		} else if (a == "--max-bs") {
			o.max_bs = static_cast<uint32_t>(parse_size(a, need()));
		} else if (a == "--read-pct") {
			o.read_pct = static_cast<unsigned>(parse_uint(a, need(), 100));
		} else if (a == "--seed") {
			o.seed = parse_uint(a, need());
			o.seed_given = true;
		} else if (a == "--registered-buffers") {
			flag();
			o.registered_buffers = true;
		} else if (a == "--registered-files") {
			flag();
			o.registered_files = true;
		} else if (a == "--allow-eio") {
			// Optional value: "--allow-eio=A:B" or "--allow-eio A:B".
			std::optional<ByteRange> r;
			if (has_inline) {
				r = try_range(val);
				if (!r)
					throw UsageError("--allow-eio: not a range A:B: '" +
							 std::string(val) + "'");
			} else if (i + 1 < argc && (r = try_range(argv[i + 1]))) {
				i++;
			}
			if (r)
				o.allow_eio.push_back(*r);
			else
				o.allow_eio_any = true;
		} else if (a == "--lossy") {
			flag();
			o.lossy = true;
		} else if (a == "--prefill") {
			flag();
			o.prefill = true;
		} else if (a == "--verify-only") {
			flag();
			o.verify_only = true;
		} else if (a == "--allow-unwritten") {
			flag();
			o.allow_unwritten = true;
		} else if (a == "--no-final-verify") {
			flag();
			o.no_final_verify = true;
		} else if (a == "--selftest-inject") {
			o.selftest_inject = need();
			if (o.selftest_inject != "corrupt" && o.selftest_inject != "misdirected" &&
			    o.selftest_inject != "stale")
				throw UsageError("--selftest-inject: corrupt, misdirected or stale, not '" +
						 o.selftest_inject + "'");
		} else if (a == "--json") {
			flag();
			o.json = true;
		} else if (a == "--quiet") {
			flag();
			o.quiet = true;
		} else {
			throw UsageError("unknown option '" + std::string(argv[i]) + "'");
		}
	}
	if (o.device.empty())
		throw UsageError("--device is required");
	if (range_mb_given && range_given)
		throw UsageError("--range-mb and --range exclude each other");
	if (o.time_s && o.ops)
		throw UsageError("--time and --ops exclude each other");
	if (!o.time_s && !o.ops)
		o.time_s = 10;
	if (o.verify_only && o.prefill)
		throw UsageError("--verify-only and --prefill exclude each other");
	if (!o.selftest_inject.empty() && (o.verify_only || o.no_final_verify))
		throw UsageError("--selftest-inject needs the final verify");
	if (o.lossy && o.verify_only)
		throw UsageError("--lossy needs the expected state; not with --verify-only");
	if (o.allow_unwritten && !o.verify_only)
		throw UsageError("--allow-unwritten only applies to --verify-only");
	return o;
}

} // namespace pdm::stress
