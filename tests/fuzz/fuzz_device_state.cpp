// /run/pdm/<name>.json device state files and the dm UUIDs: the parser, with
// the formatter as its inverse.
#include "fuzz_common.hpp"
#include "pkeydm/config/device_state.hpp"

using namespace pkeydm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::optional<DeviceState> s;
    fuzz::ok([&] { s = parse_device_state(t, "state.json"); });
    if (s) {
        FUZZ_CHECK(s->options.xts_bits == 128 || s->options.xts_bits == 256);
        DeviceState again;
        FUZZ_CHECK(fuzz::ok([&] { again = parse_device_state(format_device_state(*s), "again"); }));
        FUZZ_CHECK(again.name == s->name && again.device == s->device && again.source.kind == s->source.kind &&
                   again.source.arg == s->source.arg && again.options.xts_bits == s->options.xts_bits &&
                   again.options.on_key_loss == s->options.on_key_loss && again.options.swap == s->options.swap &&
                   again.options.sector_size == s->options.sector_size &&
                   again.options.discard == s->options.discard &&
                   again.options.iv_large_sectors == s->options.iv_large_sectors &&
                   again.options.key_timeout_ms == s->options.key_timeout_ms);
    }
    if (const auto kind = kind_from_uuid(t)) {
        const auto rest = t.substr(t.find('-', 4) + 1);
        FUZZ_CHECK(pdm_uuid(*kind, rest) == t);
    }
    return 0;
}
