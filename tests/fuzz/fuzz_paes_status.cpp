// paes status INFO lines: parse_paes_status and its accessors.
#include "fuzz_common.hpp"
#include "pkeydm/device/paes_status.hpp"

using namespace pkeydm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::optional<PaesStatus> st;
    fuzz::ok([&] { st = parse_paes_status(t); });
    if (!st)
        return 0;
    for (const auto& [name, value] : st->fields) {
        FUZZ_CHECK(!name.empty() && name.find('=') == std::string::npos);
        FUZZ_CHECK(st->get(name) == std::string_view(value));
        if (const auto n = st->number(name))
            FUZZ_CHECK(std::to_string(*n) == value || value.starts_with('0'));
        FUZZ_CHECK(st->number_or(name, 7) == st->number(name).value_or(7));
    }
    const auto k = st->get("key");
    FUZZ_CHECK(st->key == (k ? key_state_from(*k) : KeyState::unknown));
    FUZZ_CHECK(key_state_from(key_state_name(st->key)) == st->key);
    return 0;
}
