#include "unit_name.hpp"

#include <cstdint>
#include <vector>

#include "pkeydm/error.hpp"

using pkeydm::Errc;
using pkeydm::Error;

namespace pdmgen {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, unsigned char c)
{
    out += "\\x";
    out += hex_digits[c >> 4];
    out += hex_digits[c & 15];
}

bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Length of the valid UTF-8 sequence of two or more bytes at s[i], else 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not valid.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

}  // namespace

std::string unit_name_escape(std::string_view s)
{
    std::string out;
    out.reserve(s.size() * 4);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '/')
            out += '-';
        else if ((c == '.' && i == 0) || !(is_alnum(c) || c == ':' || c == '_' || c == '.'))
            append_hex(out, c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::string unit_name_path_escape(std::string_view path)
{
    if (!path.starts_with('/'))
        throw Error(Errc::config, "'" + std::string(path) + "' is not an absolute path");
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos < path.size()) {
        const auto slash = path.find('/', pos);
        const auto part = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        pos = slash == std::string_view::npos ? path.size() : slash + 1;
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            throw Error(Errc::config, "'" + std::string(path) + "' has a '..' component: systemd names no unit after it");
        parts.push_back(part);
    }
    if (parts.empty())
        return "-";
    std::string joined;
    for (const auto& p : parts) {
        if (!joined.empty())
            joined += '/';
        joined += p;
    }
    return unit_name_escape(joined);
}

std::string unit_name_from_path(std::string_view path, std::string_view suffix)
{
    auto name = unit_name_path_escape(path) + std::string(suffix);
    // UNIT_NAME_MAX in systemd: 256 with the terminating NUL.
    if (name.size() > 255)
        throw Error(Errc::config, "'" + std::string(path) + "': its unit name would be " +
                                      std::to_string(name.size()) + " characters, systemd allows 255");
    return name;
}

std::string udev_node(std::string_view spec)
{
    static constexpr struct {
        std::string_view tag;
        std::string_view dir;
    } tags[] = {{"UUID=", "/dev/disk/by-uuid/"},
                {"PARTUUID=", "/dev/disk/by-partuuid/"},
                {"LABEL=", "/dev/disk/by-label/"},
                {"PARTLABEL=", "/dev/disk/by-partlabel/"}};
    for (const auto& t : tags) {
        if (!spec.starts_with(t.tag))
            continue;
        const auto value = spec.substr(t.tag.size());
        std::string out(t.dir);
        for (std::size_t i = 0; i < value.size();) {
            const auto c = static_cast<unsigned char>(value[i]);
            if (const auto n = utf8_sequence(value, i)) {
                out += value.substr(i, n);
                i += n;
                continue;
            }
            if (is_alnum(c) || std::string_view("#+-.:=@_").find(static_cast<char>(c)) != std::string_view::npos)
                out += static_cast<char>(c);
            else
                append_hex(out, c);
            ++i;
        }
        return out;
    }
    return std::string(spec);
}

}  // namespace pdmgen
