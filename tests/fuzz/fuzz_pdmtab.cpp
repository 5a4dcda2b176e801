// pdmtab: whole files through parse_pdmtab, parse_pdmtab_lines and
// load_pdmtab (a memfd stands for the file), each good line through
// pdm-generator's units_for, and each line's fields through the field
// parsers.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/config/pdmtab.hpp"
#include "units.hpp"

using namespace pkeydm;

namespace {

bool equal(const std::vector<PdmtabEntry>& x, const std::vector<PdmtabEntry>& y)
{
    if (x.size() != y.size())
        return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const auto &a = x[i], &b = y[i];
        if (a.name != b.name || a.device != b.device || a.source.kind != b.source.kind ||
            a.source.arg != b.source.arg || a.line != b.line || a.options.swap != b.options.swap ||
            a.options.sector_size != b.options.sector_size || a.options.discard != b.options.discard ||
            a.options.iv_large_sectors != b.options.iv_large_sectors ||
            a.options.key_timeout_ms != b.options.key_timeout_ms || a.options.on_key_loss != b.options.on_key_loss ||
            a.options.xts_bits != b.options.xts_bits || a.options.nofail != b.options.nofail ||
            a.options.noauto != b.options.noauto || a.options.device_timeout_ms != b.options.device_timeout_ms ||
            a.options.ignored != b.options.ignored)
            return false;
    }
    return true;
}

// What the generator writes stays inside its directory, and no pdmtab
// text can add a line to a unit: every line is a comment, a section, a
// key=value or empty, holds no other line break and does not continue.
void check_units(const PdmtabEntry& e)
{
    std::vector<pdmgen::GeneratedFile> files;
    try {
        files = pdmgen::units_for(e, {"/etc/pdm/pdmtab", "/usr/sbin"});
    } catch (const Error&) {
        return;
    }
    FUZZ_CHECK(!files.empty());
    for (const auto& f : files) {
        FUZZ_CHECK(!f.path.empty() && !f.path.starts_with('/'));
        std::size_t pos = 0;
        while (pos <= f.path.size()) {
            const auto slash = f.path.find('/', pos);
            const auto part = f.path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
            FUZZ_CHECK(!part.empty() && part != "." && part != "..");
            pos = slash == std::string::npos ? f.path.size() + 1 : slash + 1;
        }
        if (f.symlink)
            continue;
        pos = 0;
        while (pos < f.content.size()) {
            const auto nl = f.content.find('\n', pos);
            FUZZ_CHECK(nl != std::string::npos);
            const auto l = std::string_view(f.content).substr(pos, nl - pos);
            FUZZ_CHECK(l.empty() || l[0] == '#' || l[0] == '[' || l.find('=') != std::string_view::npos);
            // systemd also ends a line at NUL or CR, and joins one ending
            // in a backslash to the next.
            FUZZ_CHECK(l.find_first_of(std::string_view("\0\r", 2)) == std::string_view::npos);
            FUZZ_CHECK(l.empty() || l.back() != '\\');
            pos = nl + 1;
        }
    }
}

int memfd()
{
    static const int fd = ::memfd_create("pdmtab", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    // A memfd is born 0777; load_pdmtab refuses a pdmtab others may write.
    static const int mode_set = ::fchmod(fd, 0644);
    FUZZ_CHECK(mode_set == 0);
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::vector<PdmtabEntry> tab;
    const bool parsed = fuzz::ok([&] { tab = parse_pdmtab(t, "pdmtab"); });
    for (const auto& e : tab) {
        FUZZ_CHECK(valid_device_name(e.name));
        FUZZ_CHECK(e.options.xts_bits == 128 || e.options.xts_bits == 256);
        KeySource again;
        FUZZ_CHECK(fuzz::ok([&] { again = parse_key_source(format_key_source(e.source), "again"); }));
        FUZZ_CHECK(again.kind == e.source.kind && again.arg == e.source.arg);
        FUZZ_CHECK(find_pdmtab_entry(tab, e.name).has_value());
    }

    // Line by line: the same entries when the whole file is good, else the
    // good lines and one error per bad line.
    const auto lines = parse_pdmtab_lines(t, "pdmtab");
    if (parsed) {
        FUZZ_CHECK(lines.errors.empty());
        FUZZ_CHECK(equal(lines.entries, tab));
    } else {
        FUZZ_CHECK(!lines.errors.empty());
    }
    for (const auto& e : lines.entries) {
        FUZZ_CHECK(valid_device_name(e.name));
        check_units(e);
    }

    // The same text as a file.
    const int fd = memfd();
    FUZZ_CHECK(::ftruncate(fd, 0) == 0);
    FUZZ_CHECK(size == 0 || ::pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    std::vector<PdmtabEntry> loaded;
    const bool load_ok = fuzz::ok([&] { loaded = load_pdmtab(path); });
    FUZZ_CHECK(load_ok == parsed);
    FUZZ_CHECK(equal(loaded, tab));

    // The first line's text as each single field.
    const auto line = t.substr(0, t.find('\n'));
    fuzz::ok([&] { parse_key_source(line, "keysource"); });
    DeviceOptions o;
    if (fuzz::ok([&] { parse_device_options(line, o, "options"); }))
        FUZZ_CHECK(o.sector_size >= 512 && o.sector_size <= 4096);
    FUZZ_CHECK(fuzz::ok([&] { check_device_name(line, "name"); }) == valid_device_name(line));
    std::uint64_t ms = 0;
    if (fuzz::ok([&] { ms = parse_time_span_ms(line, "time"); }))
        FUZZ_CHECK(ms <= 365ull * 24 * 3600000);
    return 0;
}
