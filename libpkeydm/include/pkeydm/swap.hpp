// Swap on a pdm device: mkswap (the system's, via PATH) and swapon/swapoff(2).
#pragma once

#include <string>
#include <vector>

namespace pkeydm {

// Runs a program and waits; throws Error(io) naming it on a non-zero exit.
void run_program(const std::vector<std::string>& argv);
void make_swap(const std::string& path);
void swap_on(const std::string& path);
// Is the block device at `path` an active swap area (by device number)?
bool swap_active(const std::string& path);
void swap_off(const std::string& path);

}  // namespace pkeydm
