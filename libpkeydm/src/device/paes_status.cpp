#include "pkeydm/device/paes_status.hpp"

#include <charconv>

#include "pkeydm/error.hpp"
#include "pkeydm/device/paes_table.hpp"

namespace pkeydm {

KeyState key_state_from(std::string_view s) noexcept
{
    if (s == "valid")
        return KeyState::valid;
    if (s == "stale")
        return KeyState::stale;
    if (s == "none")
        return KeyState::none;
    if (s == "lost")
        return KeyState::lost;
    return KeyState::unknown;
}

std::string_view key_state_name(KeyState s) noexcept
{
    switch (s) {
    case KeyState::valid: return "valid";
    case KeyState::stale: return "stale";
    case KeyState::none: return "none";
    case KeyState::lost: return "lost";
    case KeyState::unknown: break;
    }
    return "unknown";
}

std::optional<std::string_view> PaesStatus::get(std::string_view name) const
{
    const auto it = fields.find(name);
    if (it == fields.end())
        return std::nullopt;
    return std::string_view(it->second);
}

std::optional<std::uint64_t> PaesStatus::number(std::string_view name) const
{
    const auto v = get(name);
    if (!v || v->empty())
        return std::nullopt;
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size())
        return std::nullopt;
    return n;
}

PaesStatus parse_paes_status(std::string_view info)
{
    PaesStatus st;
    for (const auto tok : split_ws(info)) {
        const auto eq = tok.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw Error(Errc::config, "paes status: field '" + std::string(tok) + "' is not name=value");
        st.fields.insert_or_assign(std::string(tok.substr(0, eq)), std::string(tok.substr(eq + 1)));
    }
    if (const auto k = st.get("key"))
        st.key = key_state_from(*k);
    return st;
}

}  // namespace pkeydm
