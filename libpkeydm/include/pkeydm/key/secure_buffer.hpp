// Memory for key material: mlocked (never swapped out — the swap device may
// be the very one this key protects), excluded from core dumps, and wiped
// with explicit_bzero before it is freed.  Page-aligned blocks of their own,
// or in a process under mlockall (pdmd) blocks of a shared pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace pkeydm {

class SecureBuffer {
public:
    SecureBuffer() = default;
    explicit SecureBuffer(std::size_t size);  // zero-filled
    SecureBuffer(const void* data, std::size_t size);
    ~SecureBuffer();

    SecureBuffer(const SecureBuffer&) = delete;
    SecureBuffer& operator=(const SecureBuffer&) = delete;
    SecureBuffer(SecureBuffer&& other) noexcept;
    SecureBuffer& operator=(SecureBuffer&& other) noexcept;

    // Concatenate byte strings (e.g. "key set " + hex) without the pieces
    // ever passing through an unwiped std::string.
    static SecureBuffer concat(std::initializer_list<std::span<const std::uint8_t>> parts);
    static SecureBuffer concat_text(std::initializer_list<std::string_view> parts);

    // Tell the buffers the process runs under mlockall(MCL_CURRENT |
    // MCL_FUTURE) (pdmd).  They then leave locking alone: munlock on free
    // would unlock heap pages that malloc hands out again, which could then
    // go to swap, in a daemon that must never wait for a swap read.  New
    // buffers then come from a pool of MADV_DONTDUMP mappings by size class
    // (secure_pool.hpp) instead of a heap page each: pdmd keeps buffers per
    // device, and page-rounded blocks fragment a heap it never trims.
    static void process_memory_locked() noexcept;

    std::uint8_t* data() noexcept { return data_; }
    const std::uint8_t* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::span<std::uint8_t> span() noexcept { return {data_, size_}; }
    std::span<const std::uint8_t> span() const noexcept { return {data_, size_}; }
    // Text view; there is always a NUL after the last byte, so c_str() is safe.
    std::string_view view() const noexcept
    {
        return {reinterpret_cast<const char*>(data_), size_};
    }
    const char* c_str() const noexcept
    {
        return data_ ? reinterpret_cast<const char*>(data_) : "";
    }
    // Keep only the first n bytes (n <= size); the rest is wiped.
    void truncate(std::size_t n) noexcept;
    bool locked() const noexcept { return locked_; }

private:
    void release() noexcept;

    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;  // allocated bytes, >= size_ + 1
    bool locked_ = false;
    bool pooled_ = false;  // from secure_pool, else a heap page block
};

}  // namespace pkeydm
