// Hex codec: both decoders agree, is_hex predicts success, encode inverts.
#include <cctype>

#include "fuzz_common.hpp"
#include "pkeydm/hex.hpp"

using namespace pkeydm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::vector<std::uint8_t> plain;
    SecureBuffer secure;
    const bool a = fuzz::ok([&] { plain = hex_decode(t, "hex"); });
    const bool b = fuzz::ok([&] { secure = hex_decode_secure(t, "hex"); });
    FUZZ_CHECK(a == b);
    if (a) {
        FUZZ_CHECK(fuzz::same(plain, secure.span()));
        FUZZ_CHECK(plain.size() * 2 <= size);
    }
    if (is_hex(t)) {
        FUZZ_CHECK(a);
        std::string lower(t);
        for (auto& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        FUZZ_CHECK(hex_encode(plain) == lower);
        FUZZ_CHECK(hex_encode_secure(plain).view() == lower);
    }
    // Any bytes encode to something that decodes back.
    const auto enc = hex_encode({data, size});
    if (size) {
        FUZZ_CHECK(is_hex(enc));
        FUZZ_CHECK(fuzz::same(hex_decode(enc, "enc"), {data, size}));
    }
    return 0;
}
