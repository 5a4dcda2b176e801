#include "pkeydm/config/pdmtab.hpp"

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/device/paes_table.hpp"

namespace pkeydm {

namespace {

[[noreturn]] void bad(std::string_view where, const std::string& msg)
{
    throw Error(Errc::config, std::string(where) + ": " + msg);
}

std::uint64_t number(std::string_view v, std::string_view where, std::string_view opt)
{
    try {
        return parse_u64(v, opt);
    } catch (const Error&) {
        bad(where, "option " + std::string(opt) + ": '" + std::string(v) + "' is not a number");
    }
}

}  // namespace

std::uint64_t parse_time_span_ms(std::string_view s, std::string_view where)
{
    if (s == "infinity")
        return 0;
    if (s.empty())
        bad(where, "empty time span");
    // systemd.time(7) units a device timeout can sensibly use; "1min30s"
    // adds up, a bare number is seconds.
    static constexpr struct {
        std::string_view unit;
        std::uint64_t ms;
    } units[] = {{"ms", 1},           {"msec", 1},          {"s", 1000},           {"sec", 1000},
                 {"second", 1000},    {"seconds", 1000},    {"m", 60000},          {"min", 60000},
                 {"minute", 60000},   {"minutes", 60000},   {"h", 3600000},        {"hr", 3600000},
                 {"hour", 3600000},   {"hours", 3600000}};
    constexpr std::uint64_t limit = 365ull * 24 * 3600000;  // a year: anything longer is a typo
    std::uint64_t total = 0;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const std::size_t digits = s.find_first_not_of("0123456789", pos);
        const auto num = s.substr(pos, digits == std::string_view::npos ? std::string_view::npos : digits - pos);
        if (num.empty() || num.size() > 12)
            bad(where, "time span '" + std::string(s) + "': expected a number with an optional unit "
                       "(ms, s, min, h) or infinity");
        std::uint64_t n = 0;
        for (char c : num)
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        pos = digits == std::string_view::npos ? s.size() : digits;
        const std::size_t unit_end = s.find_first_of("0123456789", pos);
        const auto unit = s.substr(pos, unit_end == std::string_view::npos ? std::string_view::npos : unit_end - pos);
        pos = unit_end == std::string_view::npos ? s.size() : unit_end;
        std::uint64_t scale = 0;
        if (unit.empty())
            scale = 1000;
        for (const auto& u : units)
            if (u.unit == unit)
                scale = u.ms;
        if (!scale)
            bad(where, "time span '" + std::string(s) + "': unknown unit '" + std::string(unit) +
                           "' (use ms, s, min or h)");
        total += n * scale;
        if (total > limit)
            bad(where, "time span '" + std::string(s) + "': longer than a year; use infinity to wait forever");
    }
    return total;
}

std::string_view key_source_kind_name(KeySourceKind k) noexcept
{
    switch (k) {
    case KeySourceKind::ephemeral: return "ephemeral";
    case KeySourceKind::secure: return "secure";
    case KeySourceKind::clear: return "clear";
    case KeySourceKind::random_secure: return "random-secure";
    }
    return "?";
}

std::string_view on_key_loss_name(OnKeyLoss o) noexcept
{
    return o == OnKeyLoss::replace ? "replace" : "error";
}

bool valid_device_name(std::string_view name) noexcept
{
    if (name.empty() || name.size() > 64 || name == "." || name == "..")
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '+' || c == '-'))
            return false;
    return true;
}

void check_device_name(std::string_view name, std::string_view where)
{
    if (!valid_device_name(name))
        bad(where, "name '" + std::string(name) + "': use 1..64 of A-Z a-z 0-9 _ . + -");
}

bool valid_device_spec(std::string_view spec) noexcept
{
    if (spec.starts_with('/'))
        return true;
    for (std::string_view tag : {"UUID=", "PARTUUID=", "LABEL=", "PARTLABEL="})
        if (spec.starts_with(tag))
            return spec.size() > tag.size();
    return false;
}

KeySource parse_key_source(std::string_view s, std::string_view where)
{
    if (s == "ephemeral")
        return {KeySourceKind::ephemeral, {}};
    if (s.starts_with("secure:")) {
        const auto name = s.substr(7);
        if (!valid_device_name(name))
            bad(where, "repository key name '" + std::string(name) + "': use 1..64 of A-Z a-z 0-9 _ . + -");
        return {KeySourceKind::secure, std::string(name)};
    }
    if (s.starts_with("clear:")) {
        const auto path = s.substr(6);
        if (path.empty() || path[0] != '/')
            bad(where, "clear key file '" + std::string(path) + "' must be an absolute path");
        return {KeySourceKind::clear, std::string(path)};
    }
    if (s == "random-secure")
        return {KeySourceKind::random_secure, "cca-aesdata"};
    if (s.starts_with("random-secure:")) {
        const auto type = s.substr(14);
        if (type != "cca-aesdata" && type != "cca-aescipher" && type != "ep11")
            bad(where, "random secure key type '" + std::string(type) + "': expected cca-aesdata, cca-aescipher or ep11");
        return {KeySourceKind::random_secure, std::string(type)};
    }
    bad(where, "'" + std::string(s) +
                   "': expected ephemeral, secure:<key name>, clear:<key file> or random-secure[:<type>]");
}

std::string format_key_source(const KeySource& k)
{
    switch (k.kind) {
    case KeySourceKind::ephemeral: return "ephemeral";
    case KeySourceKind::secure: return "secure:" + k.arg;
    case KeySourceKind::clear: return "clear:" + k.arg;
    case KeySourceKind::random_secure: return "random-secure:" + k.arg;
    }
    return "?";
}

void parse_device_options(std::string_view s, DeviceOptions& o, std::string_view where)
{
    if (s.empty() || s == "-")
        return;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const auto comma = s.find(',', pos);
        const auto opt = s.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        pos = comma == std::string_view::npos ? s.size() + 1 : comma + 1;
        if (opt.empty())
            bad(where, "empty option in '" + std::string(s) + "'");
        const auto eq = opt.find('=');
        const auto key = opt.substr(0, eq);
        const auto val = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);
        const bool has_val = eq != std::string_view::npos;
        auto no_value = [&] {
            if (has_val)
                bad(where, "option " + std::string(key) + " takes no value");
        };
        if (key == "swap") {
            no_value();
            o.swap = true;
        } else if (key == "discard") {
            no_value();
            o.discard = true;
        } else if (key == "iv-large-sectors") {
            no_value();
            o.iv_large_sectors = true;
        } else if (key == "xts-128" || key == "xts-256") {
            no_value();
            o.xts_bits = key == "xts-128" ? 128 : 256;
        } else if (key == "sector-size") {
            const auto v = number(val, where, "sector-size");
            if (v != 512 && v != 1024 && v != 2048 && v != 4096)
                bad(where, "option sector-size=" + std::string(val) + ": expected 512, 1024, 2048 or 4096");
            o.sector_size = static_cast<unsigned>(v);
        } else if (key == "key-timeout") {
            const auto v = number(val, where, "key-timeout");
            if (v > max_key_timeout_ms)
                bad(where, "option key-timeout=" + std::string(val) + ": too large: at most " +
                               std::to_string(max_key_timeout_ms) + " ms (1 hour); 0 waits forever");
            o.key_timeout_ms = static_cast<std::uint32_t>(v);
        } else if (key == "pri") {
            const auto v = number(val, where, "pri");
            if (v > max_swap_priority)
                bad(where, "option pri=" + std::string(val) + ": swap priority 0.." + std::to_string(max_swap_priority));
            o.swap_priority = static_cast<int>(v);
        } else if (key == "nofail") {
            no_value();
            o.nofail = true;
        } else if (key == "noauto") {
            no_value();
            o.noauto = true;
        } else if (key == "x-systemd.device-timeout") {
            o.device_timeout_ms = parse_time_span_ms(val, std::string(where) + ": option x-systemd.device-timeout");
        } else if (key.starts_with("x-systemd.")) {
            // fstab and crypttab lines carry these for systemd; one pdm has
            // no use for is no reason to refuse the line.
            o.ignored.emplace_back(opt);
        } else if (key == "on-key-loss") {
            if (val == "replace")
                o.on_key_loss = OnKeyLoss::replace;
            else if (val == "error")
                o.on_key_loss = OnKeyLoss::error;
            else
                bad(where, "option on-key-loss=" + std::string(val) + ": expected replace or error");
        } else {
            bad(where, "unknown option '" + std::string(opt) + "'");
        }
    }
}

namespace {

// Calls `line(fields, lineno)` for every line with fields, comments removed.
template <typename F>
void for_each_line(std::string_view text, F&& line)
{
    unsigned lineno = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        auto l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        auto f = split_ws(l);
        // A field starting with '#' begins a comment.
        for (std::size_t i = 0; i < f.size(); ++i)
            if (f[i].starts_with('#')) {
                f.resize(i);
                break;
            }
        if (!f.empty())
            line(f, lineno);
    }
}

// One line's entry; `before` holds the good lines above it (duplicate names).
PdmtabEntry parse_entry(const std::vector<std::string_view>& f, unsigned lineno, std::string_view filename,
                        const std::vector<PdmtabEntry>& before)
{
    const std::string at = std::string(filename) + ":" + std::to_string(lineno);
    if (f.size() < 3)
        bad(at, "expected 'name device keysource [options]', got " + std::to_string(f.size()) + " field(s)");
    if (f.size() > 4)
        bad(at + ": options", "unexpected fifth field '" + std::string(f[4]) +
                                  "' (options are one comma-separated field)");
    PdmtabEntry e;
    e.file = std::string(filename);
    e.line = lineno;
    check_device_name(f[0], at + ": name");
    e.name = std::string(f[0]);
    for (const auto& other : before)
        if (other.name == e.name)
            bad(at + ": name", "'" + e.name + "' already defined at line " + std::to_string(other.line));
    const auto dev = f[1];
    if (!valid_device_spec(dev))
        bad(at + ": device", "'" + std::string(dev) + "': expected /path, UUID=, PARTUUID=, LABEL= or PARTLABEL=");
    e.device = std::string(dev);
    e.source = parse_key_source(f[2], at + ": keysource");
    if (f.size() == 4)
        parse_device_options(f[3], e.options, at + ": options");
    return e;
}

// The file's text; see load_pdmtab for what is an error.
std::optional<SecureBuffer> read_pdmtab(const std::string& path)
{
    try {
        // It names key files and devices: whoever may write it chooses them.
        return read_trusted_file(path, 1 << 20, FileTrust::config, Errc::config);
    } catch (const Error& e) {
        if (e.code() == Errc::not_found)
            return std::nullopt;
        if (e.code() == Errc::config)
            throw;
        throw Error(Errc::config, std::string("cannot read ") + e.what(), e.sys_errno());
    }
}

}  // namespace

std::vector<PdmtabEntry> parse_pdmtab(std::string_view text, std::string_view filename)
{
    std::vector<PdmtabEntry> out;
    for_each_line(text, [&](const std::vector<std::string_view>& f, unsigned lineno) {
        out.push_back(parse_entry(f, lineno, filename, out));
    });
    return out;
}

PdmtabParse parse_pdmtab_lines(std::string_view text, std::string_view filename)
{
    PdmtabParse out;
    for_each_line(text, [&](const std::vector<std::string_view>& f, unsigned lineno) {
        try {
            out.entries.push_back(parse_entry(f, lineno, filename, out.entries));
        } catch (const Error& e) {
            out.errors.emplace_back(e.what());
        }
    });
    return out;
}

std::vector<PdmtabEntry> load_pdmtab(const std::string& path)
{
    const auto text = read_pdmtab(path);
    return text ? parse_pdmtab(text->view(), path) : std::vector<PdmtabEntry>{};
}

PdmtabParse load_pdmtab_lines(const std::string& path)
{
    const auto text = read_pdmtab(path);
    return text ? parse_pdmtab_lines(text->view(), path) : PdmtabParse{};
}

std::optional<PdmtabEntry> find_pdmtab_entry(const std::vector<PdmtabEntry>& tab, std::string_view name)
{
    for (const auto& e : tab)
        if (e.name == name)
            return e;
    return std::nullopt;
}

}  // namespace pkeydm
