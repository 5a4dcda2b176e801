// Puts generated files into the generator's output directory.  Nothing is
// ever overwritten: the directory is empty when systemd runs a generator,
// so an existing file means two lines want the same file, and the second
// one loses (with an error naming the file).
#pragma once

#include <string>
#include <vector>

#include "units.hpp"

namespace pdmgen {

// Writes `files` in order, making parent directories (0755) as needed;
// files are 0644.  Throws pkeydm::Error naming the path on the first
// failure.
void write_files(const std::string& dir, const std::vector<GeneratedFile>& files);

}  // namespace pdmgen
