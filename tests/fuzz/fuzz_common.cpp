#include "fuzz_common.hpp"

#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace fuzz {

std::string scratch_dir()
{
    // Never destroyed: the atexit handler below runs after static destructors.
    static const std::string& dir = *new std::string([] {
        const char* t = std::getenv("TMPDIR");
        std::string tmpl = std::string(t && *t ? t : "/tmp") + "/pkeydm-fuzz.XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        std::string d(buf.data());
        // Best effort: libFuzzer ends with exit() on the normal path.
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch_dir(), ec);
        });
        return d;
    }());
    return dir;
}

std::vector<std::uint8_t> fixed_secure_key()
{
    std::vector<std::uint8_t> k(128, 0);
    for (int half = 0; half < 2; ++half) {
        std::uint8_t* t = k.data() + 64 * half;
        t[0] = 0x01;  // CCA internal
        t[4] = 0x04;  // AESDATA
        for (int i = 0; i < 8; ++i)
            t[8 + i] = static_cast<std::uint8_t>(0x5a + i);  // MKVP, same in both
        for (int i = 0; i < 32; ++i)
            t[16 + i] = static_cast<std::uint8_t>(0x70 + half + i);
        const std::uint16_t bits = 256, bytes = 32;
        std::memcpy(t + 56, &bits, 2);
        std::memcpy(t + 58, &bytes, 2);
    }
    return k;
}

}  // namespace fuzz
