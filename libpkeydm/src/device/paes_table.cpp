#include "pkeydm/device/paes_table.hpp"

#include <charconv>

#include "pkeydm/error.hpp"
#include "pkeydm/hex.hpp"

namespace pkeydm {

namespace {

[[noreturn]] void bad(const std::string& msg)
{
    throw Error(Errc::config, "paes table: " + msg);
}

}  // namespace

std::vector<std::string_view> split_ws(std::string_view s)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
        if (i > b)
            out.push_back(s.substr(b, i - b));
    }
    return out;
}

std::uint64_t parse_u64(std::string_view s, std::string_view what)
{
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size())
        throw Error(Errc::config, std::string(what) + ": '" + std::string(s) + "' is not an unsigned decimal number");
    return v;
}

TableKey parse_table_key(std::string_view f)
{
    TableKey k;
    if (f == "-")
        return k;
    if (f.starts_with(':')) {
        // :<bytes>:<type>:<description>; the description may contain ':'.
        const auto c2 = f.find(':', 1);
        if (c2 == std::string_view::npos)
            bad("key '" + std::string(f) + "': expected :<bytes>:<type>:<description>");
        const auto c3 = f.find(':', c2 + 1);
        if (c3 == std::string_view::npos)
            bad("key '" + std::string(f) + "': expected :<bytes>:<type>:<description>");
        k.kind = TableKey::Kind::keyring;
        k.bytes = parse_u64(f.substr(1, c2 - 1), "paes table: key size");
        k.key_type = std::string(f.substr(c2 + 1, c3 - c2 - 1));
        k.description = std::string(f.substr(c3 + 1));
        if (k.bytes == 0)
            bad("key size is 0");
        if (k.key_type != "logon" && k.key_type != "user")
            bad("key type '" + k.key_type + "': expected logon or user");
        if (k.description.empty())
            bad("key description is empty");
        return k;
    }
    // Hex: decode to check, then forget the bytes.
    const auto bytes = hex_decode_secure(f, "paes table: key");
    k.kind = TableKey::Kind::hex;
    k.bytes = bytes.size();
    return k;
}

std::string normalize_vp(std::string_view hex, std::string_view what)
{
    if (hex.size() != paes_vp_hex_digits || !is_hex(hex))
        throw Error(Errc::config, std::string(what) + ": verification pattern '" + std::string(hex) +
                                      "' is not 32 hex digits");
    std::string vp(hex);
    for (auto& c : vp)
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
    return vp;
}

std::string format_table_key(const TableKey& key)
{
    switch (key.kind) {
    case TableKey::Kind::none: return "-";
    case TableKey::Kind::keyring:
        return ":" + std::to_string(key.bytes) + ":" + (key.key_type.empty() ? "logon" : key.key_type) + ":" +
               key.description;
    case TableKey::Kind::hex: break;
    }
    throw Error(Errc::internal, "refusing to format a hex key into a table line");
}

std::string format_paes_params(const PaesTable& t)
{
    std::vector<std::string> opts;
    if (t.sector_size != 512)
        opts.push_back("sector_size:" + std::to_string(t.sector_size));
    if (t.iv_large_sectors)
        opts.emplace_back("iv_large_sectors");
    if (t.allow_discards)
        opts.emplace_back("allow_discards");
    if (t.key_timeout_ms)
        opts.push_back("key_timeout:" + std::to_string(*t.key_timeout_ms));
    for (const auto& o : t.other_options)
        opts.push_back(o);
    if (!t.vp.empty())
        opts.push_back("vp:" + normalize_vp(t.vp, "paes table"));
    std::string s = t.cipher + " " + format_table_key(t.key) + " " + std::to_string(t.iv_offset) + " " + t.device +
                    " " + std::to_string(t.offset);
    if (!opts.empty()) {
        s += " " + std::to_string(opts.size());
        for (const auto& o : opts)
            s += " " + o;
    }
    return s;
}

PaesTable parse_paes_params(std::uint64_t start, std::uint64_t length, std::string_view params)
{
    const auto f = split_ws(params);
    if (f.size() < 5)
        bad("expected <cipher> <key> <iv_offset> <dev> <offset> [<#opt> <opt>...], got " +
            std::to_string(f.size()) + " fields");
    PaesTable t;
    t.start = start;
    t.length = length;
    t.cipher = std::string(f[0]);
    if (t.cipher != paes_cipher)
        bad("cipher '" + t.cipher + "': only " + std::string(paes_cipher) + " is supported");
    t.key = parse_table_key(f[1]);
    t.iv_offset = parse_u64(f[2], "paes table: iv_offset");
    t.device = std::string(f[3]);
    t.offset = parse_u64(f[4], "paes table: offset");
    if (f.size() == 5)
        return t;
    const auto nopt = parse_u64(f[5], "paes table: #opt");
    if (nopt != f.size() - 6)
        bad("#opt is " + std::to_string(nopt) + " but " + std::to_string(f.size() - 6) + " options follow");
    for (std::size_t i = 6; i < f.size(); ++i) {
        const auto o = f[i];
        if (o.starts_with("sector_size:")) {
            const auto v = parse_u64(o.substr(12), "paes table: sector_size");
            if (v < 512 || v > 4096 || (v & (v - 1)))
                bad("sector_size " + std::to_string(v) + ": must be a power of two in 512..4096");
            t.sector_size = static_cast<unsigned>(v);
        } else if (o == "iv_large_sectors") {
            t.iv_large_sectors = true;
        } else if (o == "allow_discards") {
            t.allow_discards = true;
        } else if (o.starts_with("key_timeout:")) {
            const auto v = parse_u64(o.substr(12), "paes table: key_timeout");
            if (v > UINT32_MAX)
                bad("key_timeout " + std::to_string(v) + " ms is too large");
            t.key_timeout_ms = static_cast<std::uint32_t>(v);
        } else if (o.starts_with("vp:") || o.starts_with("VP:")) {
            t.vp = normalize_vp(o.substr(3), "paes table: vp");
        } else {
            t.other_options.emplace_back(o);
        }
    }
    return t;
}

std::string format_paes_line(const PaesTable& t)
{
    return std::to_string(t.start) + " " + std::to_string(t.length) + " " + std::string(paes_target) + " " +
           format_paes_params(t);
}

PaesTable parse_paes_line(std::string_view line)
{
    const auto f = split_ws(line);
    if (f.size() < 3)
        bad("expected <start> <len> paes <params>");
    if (f[2] != paes_target)
        bad("target type '" + std::string(f[2]) + "', expected paes");
    // Params start after the third field, original spacing irrelevant.
    const auto pos = f[2].data() + f[2].size() - line.data();
    return parse_paes_params(parse_u64(f[0], "paes table: start"), parse_u64(f[1], "paes table: length"),
                             line.substr(static_cast<std::size_t>(pos)));
}

DmTarget to_dm_target(const PaesTable& t)
{
    return {t.start, t.length, std::string(paes_target), format_paes_params(t)};
}

}  // namespace pkeydm
