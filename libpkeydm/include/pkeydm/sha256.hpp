// SHA-256 (FIPS 180-4) for the key repository's verification pattern.  Own
// code rather than libcrypto so the tools stay small for the initramfs.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace pkeydm {

class Sha256 {
public:
    Sha256();
    ~Sha256();  // wipes state: the input may be key material
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::span<const std::uint8_t> data);
    std::array<std::uint8_t, 32> finish();

private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buf_{};
    std::size_t used_ = 0;
    std::uint64_t total_ = 0;
};

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

}  // namespace pkeydm
