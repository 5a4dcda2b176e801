// Swap on a pdm device: mkswap (the system's, via PATH) and swapon/swapoff(2).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pkeydm {

struct SwapOptions {
    bool discard = false;          // SWAP_FLAG_DISCARD
    std::optional<int> priority;   // SWAP_FLAG_PREFER with 0..32767
};
// The swapon(2) flags for `o`.
int swap_flags(const SwapOptions& o);

// Runs a program and waits; throws Error(io) naming it on a non-zero exit.
void run_program(const std::vector<std::string>& argv);
void make_swap(const std::string& path);
void swap_on(const std::string& path, const SwapOptions& o = {});
// Is the block device at `path` an active swap area (by device number)?
bool swap_active(const std::string& path);
void swap_off(const std::string& path);

}  // namespace pkeydm
