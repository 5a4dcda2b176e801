// Hand-made tokens for the unit tests: built byte by byte (native order,
// as the driver writes them) so the tests do not trust the builders they test.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

inline void put_u32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v)
{
    std::memcpy(b.data() + off, &v, 4);
}

// 80-byte protected-key token; protkey bytes = fill, WKVP bytes = wkvp.
inline std::vector<std::uint8_t> make_prot_token(std::uint32_t keytype, std::uint32_t len,
                                                 std::uint8_t fill = 0x11, std::uint8_t wkvp = 0xee,
                                                 std::size_t size = 80)
{
    std::vector<std::uint8_t> t(size, 0);
    t[0] = 0x00;
    t[4] = 0x01;
    put_u32(t, 8, keytype);
    put_u32(t, 12, len);
    for (std::size_t i = 0; i + 32 < len && 16 + i < size; ++i)
        t[16 + i] = fill;
    for (std::size_t i = len >= 32 ? len - 32 : 0; i < len && 16 + i < size; ++i)
        t[16 + i] = wkvp;
    return t;
}

inline std::vector<std::uint8_t> make_pair(std::uint32_t keytype = 3, std::uint32_t len = 64)
{
    auto a = make_prot_token(keytype, len, 0x11);
    auto b = make_prot_token(keytype, len, 0x22);
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// 64-byte CCA AESDATA token.
inline std::vector<std::uint8_t> make_cca_token(std::uint16_t bitsize = 256, std::uint8_t mkvp = 0x5a,
                                                std::uint8_t keyfill = 0x77)
{
    std::vector<std::uint8_t> t(64, 0);
    t[0] = 0x01;
    t[4] = 0x04;
    t[6] = 0x00;
    for (int i = 0; i < 8; ++i)
        t[8 + i] = static_cast<std::uint8_t>(mkvp + i);
    for (int i = 0; i < 32; ++i)
        t[16 + i] = keyfill;
    const std::uint16_t keysize = bitsize / 8;
    std::memcpy(t.data() + 56, &bitsize, 2);
    std::memcpy(t.data() + 58, &keysize, 2);
    return t;
}

inline void put_u16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v)
{
    std::memcpy(b.data() + off, &v, 2);
}

// CCA AESCIPHER token as a card makes it: 136 bytes, version-0 payload
// whose wrapped length tells the key size.
inline std::vector<std::uint8_t> make_cipher_token(unsigned bits = 256, std::uint8_t mkvp = 0x3c,
                                                   std::size_t len = 136)
{
    std::vector<std::uint8_t> t(len, 0);
    t[0] = 0x01;
    put_u16(t, 2, static_cast<std::uint16_t>(len));
    t[4] = 0x05;
    t[8] = 0x03;  // kms
    t[9] = 0x01;  // kvpt
    for (int i = 0; i < 8; ++i)
        t[10 + i] = static_cast<std::uint8_t>(mkvp + i);
    put_u16(t, 38, bits == 128 ? 512 : bits == 192 ? 576 : 640);
    t[41] = 0x02;      // AES
    put_u16(t, 42, 1);  // CIPHER
    put_u16(t, 50, 0x0800);  // kmf1: XPRT-CPAC
    for (std::size_t i = 56; i < len; ++i)
        t[i] = 0x99;
    return t;
}

// EP11 AES key with its 16-byte header: 272 bytes.
inline std::vector<std::uint8_t> make_ep11_token(unsigned bits = 256, std::uint8_t wkvp = 0xa0)
{
    std::vector<std::uint8_t> t(16 + 256, 0);
    t[0] = 0x00;
    t[1] = 0x00;
    put_u16(t, 2, static_cast<std::uint16_t>(t.size()));
    t[4] = 0x06;
    put_u16(t, 6, static_cast<std::uint16_t>(bits));
    for (int i = 0; i < 16; ++i)
        t[16 + 32 + i] = static_cast<std::uint8_t>(wkvp + i);
    const std::uint64_t attr = 0x00200000;
    std::memcpy(t.data() + 16 + 48, &attr, 8);
    put_u16(t, 16 + 64, 0x1234);
    return t;
}

inline std::vector<std::uint8_t> cat(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
