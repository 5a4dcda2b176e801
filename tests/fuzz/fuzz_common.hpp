// Shared by the libFuzzer targets of tests/fuzz: the contract every parser
// of libpkeydm keeps for any input is "a result, or pkeydm::Error".  Any other
// exception escapes the harness and libFuzzer reports it as a crash, like a
// sanitizer finding; FUZZ_CHECK aborts on a broken round-trip invariant.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pkeydm/error.hpp"
#include "pkeydm/key/secure_key.hpp"

#define FUZZ_CHECK(cond)                                                                              \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                             \
        }                                                                                             \
    } while (0)

namespace fuzz {

// Runs f; true when it returned, false when it threw pkeydm::Error.
template <class F>
bool ok(F&& f)
{
    try {
        f();
        return true;
    } catch (const pkeydm::Error& e) {
        // An error must say what was wrong.
        FUZZ_CHECK(e.what()[0] != '\0');
        return false;
    }
}

inline std::string_view text(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

inline bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// A private scratch directory under $TMPDIR (run-fuzz points it into the
// build tree) for the harnesses that go through files.
std::string scratch_dir();

// The secure key (two CCA AESDATA tokens, AES_XTS_256) the repository_info
// harness stores next to the fuzzed .info; fuzz_seeds writes matching .info
// seeds.
std::vector<std::uint8_t> fixed_secure_key();
// An XTS key of two tokens of that type (CCA AESCIPHER 136 bytes, EP11 272).
std::vector<std::uint8_t> fixed_secure_key(pkeydm::SecureKeyType type);

}  // namespace fuzz
