// pdm-generator: /etc/pdm/pdmtab to systemd units (systemd.generator(7),
// docs/boot.md).  It runs before any unit, so it touches no device and no
// device-mapper: it reads pdmtab and writes files under its output
// directory, nothing else.  It never fails the boot: a bad line is logged
// and skipped, and the exit status is 0 unless systemd called it wrongly.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "output.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/config/pdmtab.hpp"
#include "units.hpp"

namespace {

// systemd passes a generator's standard error on to its log.
void log_error(const std::string& message)
{
    std::cerr << "pdm-generator: " << message << "\n";
}

// SYSTEMD_IN_INITRD is set by systemd 251 and later; /etc/initrd-release
// is what systemd itself looks at.
bool in_initrd()
{
    if (const char* v = std::getenv("SYSTEMD_IN_INITRD"))
        return std::string_view(v) == "1";
    return ::access("/etc/initrd-release", F_OK) == 0;
}

}  // namespace

int main(int argc, char** argv)
{
    // normal-dir [early-dir late-dir]: the units go to normal-dir, below
    // the administrator's /etc/systemd/system, as crypttab's do.
    if (argc != 2 && argc != 4) {
        log_error("usage: pdm-generator NORMAL-DIR [EARLY-DIR LATE-DIR]");
        return 1;
    }
    const std::string dir = argv[1];
    // pdm, pdmd and the keys live in the real root; an initrd that carries
    // this generator must not try to set devices up without them.
    if (in_initrd())
        return 0;
    pdmgen::GeneratorConfig cfg;
    cfg.sbindir = PDM_SBINDIR;
    // For tests, as SYSTEMD_CRYPTTAB is for systemd-cryptsetup-generator.
    if (const char* tab_path = std::getenv("PDM_PDMTAB"); tab_path && *tab_path)
        cfg.pdmtab = tab_path;
    pkeydm::PdmtabParse tab;
    try {
        tab = pkeydm::load_pdmtab_lines(cfg.pdmtab);
    } catch (const std::exception& e) {
        log_error(std::string(e.what()) + ": no pdm devices at this boot");
        return 0;
    }
    for (const auto& err : tab.errors)
        log_error(err + ", line ignored");
    for (const auto& e : tab.entries) {
        try {
            for (const auto& opt : e.options.ignored)
                log_error(e.file + ":" + std::to_string(e.line) + ": option " + opt + " has no effect on pdm devices");
            pdmgen::write_files(dir, pdmgen::units_for(e, cfg));
        } catch (const std::exception& err) {
            log_error(std::string(err.what()) + ", line ignored");
        }
    }
    return 0;
}
