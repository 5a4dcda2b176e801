#include "pkeydm/hex.hpp"

#include "pkeydm/error.hpp"

namespace pkeydm {

namespace {

constexpr char digits[] = "0123456789abcdef";

int nibble(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string_view strip_newline(std::string_view t) noexcept
{
    if (!t.empty() && t.back() == '\n')
        t.remove_suffix(1);
    if (!t.empty() && t.back() == '\r')
        t.remove_suffix(1);
    return t;
}

// Validates first so a half-decoded secret is never left behind on error.
void check(std::string_view t, std::string_view what)
{
    if (t.empty())
        throw Error(Errc::config, std::string(what) + ": empty hex string");
    for (std::size_t i = 0; i < t.size(); ++i)
        if (nibble(t[i]) < 0)
            throw Error(Errc::config, std::string(what) + ": character " + std::to_string(i + 1) +
                                          " is not a hex digit");
    if (t.size() % 2)
        throw Error(Errc::config, std::string(what) + ": odd number of hex digits (" +
                                      std::to_string(t.size()) + ")");
}

void decode_into(std::string_view t, std::uint8_t* out) noexcept
{
    for (std::size_t i = 0; i < t.size() / 2; ++i)
        out[i] = static_cast<std::uint8_t>(nibble(t[2 * i]) << 4 | nibble(t[2 * i + 1]));
}

}  // namespace

std::string hex_encode(std::span<const std::uint8_t> bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

SecureBuffer hex_encode_secure(std::span<const std::uint8_t> bytes)
{
    SecureBuffer out(bytes.size() * 2);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        out.data()[2 * i] = static_cast<std::uint8_t>(digits[bytes[i] >> 4]);
        out.data()[2 * i + 1] = static_cast<std::uint8_t>(digits[bytes[i] & 15]);
    }
    return out;
}

std::vector<std::uint8_t> hex_decode(std::string_view text, std::string_view what)
{
    text = strip_newline(text);
    check(text, what);
    std::vector<std::uint8_t> out(text.size() / 2);
    decode_into(text, out.data());
    return out;
}

SecureBuffer hex_decode_secure(std::string_view text, std::string_view what)
{
    text = strip_newline(text);
    check(text, what);
    SecureBuffer out(text.size() / 2);
    decode_into(text, out.data());
    return out;
}

bool is_hex(std::string_view text) noexcept
{
    if (text.empty() || text.size() % 2)
        return false;
    for (char c : text)
        if (nibble(c) < 0)
            return false;
    return true;
}

}  // namespace pkeydm
