// pdmtab: whole files through parse_pdmtab and load_pdmtab (a memfd stands
// for the file), and each line's fields through the field parsers.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.hpp"
#include "pkeydm/pdmtab.hpp"

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
            a.options.xts_bits != b.options.xts_bits)
            return false;
    }
    return true;
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
    return 0;
}
