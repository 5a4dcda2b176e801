// Memory pdmd holds for the kernel, to give back the moment a recovery
// starts.
//
// PR_SET_IO_FLUSHER keeps the kernel's allocations on pdmd's behalf from
// writing to swap, but not from waiting for memory: with the swap device
// stale, reclaim cannot free anonymous or tmpfs memory (kswapd itself waits
// on the device), so free memory stays at the watermark and an allocation
// the pkey driver makes for a conversion (on real hardware too: a 12 KiB AP
// message, an order-2 block, with GFP_KERNEL) can wait until key_timeout
// fails the parked I/O.  So pdmd keeps a locked 4 MiB block (a huge page
// where the kernel has them) and unmaps it right before a recovery's first
// ioctl: those pages go back to the free lists and the conversion finds them.
// A keeper thread takes the block again once memory is plentiful.  pdmd also
// runs SCHED_RR (as multipathd does), which lets its allocations dip into
// the part of the min watermark reserved for real-time tasks.
#pragma once

#include <cstddef>

namespace pdmd {

// SCHED_RR for the calling thread (before any thread exists, all inherit
// it); 0 or the errno.
int run_realtime() noexcept;

class KernelReserve {
public:
    explicit KernelReserve(std::size_t bytes);
    ~KernelReserve();  // stops the keeper
    KernelReserve(const KernelReserve&) = delete;
    KernelReserve& operator=(const KernelReserve&) = delete;
};

// Gives the reserve back to the kernel if held; never blocks on memory.
void release_kernel_reserve() noexcept;

}  // namespace pdmd
