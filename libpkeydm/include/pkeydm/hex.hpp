// Hex codec.  Decoding errors name what was being decoded and the offending
// character position, because the input is usually a token pasted by a user.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pkeydm/key/secure_buffer.hpp"

namespace pkeydm {

// Lower-case hex.  Only for data that is not key material.
std::string hex_encode(std::span<const std::uint8_t> bytes);
// Lower-case hex into locked memory, for key material.
SecureBuffer hex_encode_secure(std::span<const std::uint8_t> bytes);

// Accepts upper and lower case; surrounding white space is an error except a
// trailing newline (stdin).  `what` names the input in error messages.
std::vector<std::uint8_t> hex_decode(std::string_view text, std::string_view what);
SecureBuffer hex_decode_secure(std::string_view text, std::string_view what);

bool is_hex(std::string_view text) noexcept;

}  // namespace pkeydm
