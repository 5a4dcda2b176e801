#include "pkeydm/key/secure_buffer.hpp"

#include "secure_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace pkeydm {

namespace {

std::atomic<bool> all_locked{false};

std::size_t page_round(std::size_t n)
{
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (n + page - 1) / page * page;
}

// One buffer holding @parts back to back (byte spans or string views).
template <class Parts>
SecureBuffer join_parts(const Parts& parts)
{
    std::size_t total = 0;
    for (const auto& p : parts)
        total += p.size();
    SecureBuffer out(total);
    std::size_t off = 0;
    for (const auto& p : parts) {
        if (!p.empty())
            std::memcpy(out.data() + off, p.data(), p.size());
        off += p.size();
    }
    return out;
}

}  // namespace

SecureBuffer::SecureBuffer(std::size_t size)
{
    // One spare byte keeps a NUL after the data so c_str() needs no copy.
    if (all_locked.load(std::memory_order_relaxed)) {
        capacity_ = size + 1;
        data_ = static_cast<std::uint8_t*>(secure_pool::allocate(capacity_));
        if (!data_)
            throw std::bad_alloc();
        locked_ = pooled_ = true;
        size_ = size;
        return;
    }
    capacity_ = page_round(size + 1);
    void* p = nullptr;
    if (posix_memalign(&p, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), capacity_) != 0)
        throw std::bad_alloc();
    data_ = static_cast<std::uint8_t*>(p);
    std::memset(data_, 0, capacity_);
    // mlock can fail for an unprivileged user with a small RLIMIT_MEMLOCK
    // (unit tests); the daemon runs with mlockall, so this is best effort.
    locked_ = all_locked.load(std::memory_order_relaxed) || mlock(data_, capacity_) == 0;
    madvise(data_, capacity_, MADV_DONTDUMP);
    size_ = size;
}

SecureBuffer::SecureBuffer(const void* data, std::size_t size) : SecureBuffer(size)
{
    if (size)
        std::memcpy(data_, data, size);
}

SecureBuffer::~SecureBuffer() { release(); }

void SecureBuffer::process_memory_locked() noexcept
{
    all_locked.store(true, std::memory_order_relaxed);
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      locked_(std::exchange(other.locked_, false)),
      pooled_(std::exchange(other.pooled_, false))
{
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept
{
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
        locked_ = std::exchange(other.locked_, false);
        pooled_ = std::exchange(other.pooled_, false);
    }
    return *this;
}

SecureBuffer SecureBuffer::concat(std::initializer_list<std::span<const std::uint8_t>> parts)
{
    return join_parts(parts);
}

SecureBuffer SecureBuffer::concat_text(std::initializer_list<std::string_view> parts)
{
    return join_parts(parts);
}

void SecureBuffer::truncate(std::size_t n) noexcept
{
    if (n >= size_)
        return;
    explicit_bzero(data_ + n, size_ - n);
    size_ = n;
}

void SecureBuffer::release() noexcept
{
    if (!data_)
        return;
    explicit_bzero(data_, capacity_);
    if (pooled_) {
        secure_pool::release(data_, capacity_);
    } else {
        if (locked_ && !all_locked.load(std::memory_order_relaxed))
            munlock(data_, capacity_);
        // Undo the flag as well: freed pages that kept VM_DONTDUMP would
        // stay separate mappings, and a process making many buffers would
        // run into vm.max_map_count (found by fuzz.repository_info.long).
        madvise(data_, capacity_, MADV_DODUMP);
        std::free(data_);
    }
    data_ = nullptr;
    size_ = capacity_ = 0;
    locked_ = pooled_ = false;
}

}  // namespace pkeydm
