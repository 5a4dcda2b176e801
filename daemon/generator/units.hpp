// What pdm-generator writes for one pdmtab line (docs/boot.md): the unit
// pdm@NAME.service that creates the device at boot and removes it at
// shutdown, the symlinks that pull it in, and drop-ins for device timeouts.
// Pure: it only computes paths and contents, so a unit test can compare them
// with golden text; output.hpp puts them on disk.
#pragma once

#include <string>
#include <vector>

#include "pkeydm/config/pdmtab.hpp"

namespace pdmgen {

struct GeneratorConfig {
    std::string pdmtab = pkeydm::default_pdmtab;  // named in the units
    std::string sbindir;                           // where pdm is installed
};

struct GeneratedFile {
    std::string path;     // relative to the generator's output directory
    std::string content;  // a regular file's text, or a symlink's target
    bool symlink = false;
};

// The unit's name: pdm@<NAME, escaped>.service.
std::string unit_name_for(const std::string& device_name);

// Everything for one entry, in the order it must be written: drop-ins, the
// unit, then the symlinks that make the unit part of the boot, so a failure
// half way leaves nothing that starts a half-made unit.  Throws
// pkeydm::Error(config) naming file:line when the entry cannot be turned
// into units (a device path systemd cannot name a unit after).
std::vector<GeneratedFile> units_for(const pkeydm::PdmtabEntry& e, const GeneratorConfig& cfg);

}  // namespace pdmgen
