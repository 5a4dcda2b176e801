// paes table lines: parse_paes_line, and for lines without hex key material
// the formatter as inverse (a line pdm writes reads back the same).
#include "fuzz_common.hpp"
#include "pkeydm/device/paes_table.hpp"

using namespace pkeydm;

namespace {

bool equal(const PaesTable& a, const PaesTable& b)
{
    return a.start == b.start && a.length == b.length && a.cipher == b.cipher && a.key.kind == b.key.kind &&
           a.key.bytes == b.key.bytes && a.key.key_type == b.key.key_type && a.key.description == b.key.description &&
           a.iv_offset == b.iv_offset && a.device == b.device && a.offset == b.offset &&
           a.sector_size == b.sector_size && a.iv_large_sectors == b.iv_large_sectors &&
           a.allow_discards == b.allow_discards && a.key_timeout_ms == b.key_timeout_ms &&
           a.other_options == b.other_options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::optional<PaesTable> tab;
    fuzz::ok([&] { tab = parse_paes_line(t); });
    if (tab) {
        FUZZ_CHECK(tab->cipher == paes_cipher);
        FUZZ_CHECK(tab->sector_size >= 512 && tab->sector_size <= 4096);
        if (tab->key.kind == TableKey::Kind::hex) {
            // pdm never writes key material into a table.
            FUZZ_CHECK(!fuzz::ok([&] { format_paes_line(*tab); }));
        } else {
            PaesTable again;
            const auto line = format_paes_line(*tab);
            FUZZ_CHECK(fuzz::ok([&] { again = parse_paes_line(line); }));
            FUZZ_CHECK(equal(again, *tab));
            const auto dm = to_dm_target(*tab);
            FUZZ_CHECK(dm.type == paes_target && dm.start == tab->start && dm.length == tab->length);
        }
    }
    // Every field alone as a key and as a number.
    for (const auto f : split_ws(t)) {
        FUZZ_CHECK(!f.empty());
        fuzz::ok([&] { parse_table_key(f); });
        fuzz::ok([&] { parse_u64(f, "n"); });
    }
    return 0;
}
