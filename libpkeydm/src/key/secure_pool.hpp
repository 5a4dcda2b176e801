// Memory for key buffers in a process whose memory is all locked (pdmd,
// after mlockall(MCL_FUTURE)): blocks of power-of-two size classes carved
// from mappings marked MADV_DONTDUMP once each.  A buffer costs its size
// class instead of a page of its own, and key material stays out of core
// dumps (gcore's too, which a non-dumpable process does not prevent).
// Buffers larger than the largest class get a mapping of their own.
// Thread-safe; class mappings are kept for reuse, never unmapped.
#pragma once

#include <cstddef>

namespace pkeydm::secure_pool {

// `bytes` of zeroed memory, 16-byte aligned; nullptr if none is left.
void* allocate(std::size_t bytes) noexcept;
// Gives back what allocate(bytes) returned; the caller has wiped it.
void release(void* p, std::size_t bytes) noexcept;

}  // namespace pkeydm::secure_pool
