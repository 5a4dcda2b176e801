#include "secure_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace pkeydm::secure_pool {

namespace {

constexpr std::size_t min_block = 32;              // holds the free-list link
constexpr std::size_t max_block = 16 * 1024;       // dm_message's buffer fits
constexpr std::size_t min_mapping = 16 * 1024;     // a class's mapping: this,
constexpr std::size_t blocks_per_mapping_min = 4;  // or four blocks if larger
constexpr int classes = 10;                        // 32 B .. 16 KiB
static_assert((min_block << (classes - 1)) == max_block);

struct FreeBlock {
    FreeBlock* next;
};

std::mutex lock;
FreeBlock* free_blocks[classes] = {};

int class_of(std::size_t bytes) noexcept
{
    int c = 0;
    while ((min_block << c) < bytes)
        ++c;
    return c;
}

std::size_t page_round(std::size_t n) noexcept
{
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return (n + page - 1) / page * page;
}

// Zero pages (locked under MCL_FUTURE) left out of core dumps; nullptr if
// either step fails: key material must never sit in dumpable memory.
void* map_undumpable(std::size_t bytes) noexcept
{
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return nullptr;
    if (::madvise(p, bytes, MADV_DONTDUMP) != 0) {
        ::munmap(p, bytes);
        return nullptr;
    }
    return p;
}

}  // namespace

void* allocate(std::size_t bytes) noexcept
{
    if (bytes > max_block)
        return map_undumpable(page_round(bytes));
    const int c = class_of(bytes);
    const std::size_t block = min_block << c;
    std::lock_guard lk(lock);
    if (!free_blocks[c]) {
        const std::size_t span = std::max(min_mapping, blocks_per_mapping_min * block);
        auto* base = static_cast<std::uint8_t*>(map_undumpable(span));
        if (!base)
            return nullptr;
        for (std::size_t off = span; off >= block; off -= block) {
            auto* b = reinterpret_cast<FreeBlock*>(base + off - block);
            b->next = free_blocks[c];
            free_blocks[c] = b;
        }
    }
    FreeBlock* b = free_blocks[c];
    free_blocks[c] = b->next;
    std::memset(b, 0, block);
    return b;
}

void release(void* p, std::size_t bytes) noexcept
{
    if (!p)
        return;
    if (bytes > max_block) {
        ::munmap(p, page_round(bytes));
        return;
    }
    const int c = class_of(bytes);
    auto* b = static_cast<FreeBlock*>(p);
    std::lock_guard lk(lock);
    b->next = free_blocks[c];
    free_blocks[c] = b;
}

}  // namespace pkeydm::secure_pool
