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

std::vector<std::uint8_t> fixed_secure_key(pkeydm::SecureKeyType type)
{
    if (type == pkeydm::SecureKeyType::cca_aesdata)
        return fixed_secure_key();
    const bool ep11 = type == pkeydm::SecureKeyType::ep11;
    const std::size_t len = ep11 ? 272 : 136;
    std::vector<std::uint8_t> k(2 * len, 0);
    auto u16 = [](std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, 2); };
    for (std::size_t half = 0; half < 2; ++half) {
        std::uint8_t* t = k.data() + len * half;
        u16(t + 2, static_cast<std::uint16_t>(len));
        if (ep11) {
            t[4] = 0x06;  // EP11 AES with header
            u16(t + 6, 256);
            for (int i = 0; i < 16; ++i)
                t[16 + 32 + i] = static_cast<std::uint8_t>(0xa0 + i);  // WKVP
            const std::uint64_t attr = 0x00200000;                   // PKEY_EXTRACTABLE
            std::memcpy(t + 16 + 48, &attr, 8);
            u16(t + 16 + 64, 0x1234);
        } else {
            t[0] = 0x01;  // CCA internal
            t[4] = 0x05;  // AESCIPHER
            t[8] = 0x03;  // under the master key
            for (int i = 0; i < 8; ++i)
                t[10 + i] = static_cast<std::uint8_t>(0x3c + i);
            u16(t + 38, 640);  // 256-bit key, version-0 payload
            t[41] = 0x02;      // AES
            u16(t + 42, 1);    // CIPHER
            u16(t + 50, 0x0800);  // kmf1: XPRT-CPAC
        }
    }
    return k;
}

}  // namespace fuzz
