// pdm: manage dm-paes devices with protected AES keys.  See docs/cli.md.
#include <iostream>
#include <map>

#include "cli.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/no_core.hpp"

namespace {

constexpr const char* usage_text =
    "Usage: pdm <command> [options]\n"
    "\n"
    "Devices:\n"
    "  create NAME [options]   set up a dm-paes device (from pdmtab or flags)\n"
    "  remove NAME             tear it down (swapoff, remove, forget the key)\n"
    "  status [NAME] [--json]  key state and counters of pdm devices\n"
    "  list                    names of pdm devices\n"
    "  table NAME              the paes table line (keys only as keyring references)\n"
    "  rekey NAME [--replace [--force]]  inject the key again (derived) or a new\n"
    "                          one (--replace: only for a stale/lost/no key, or --force)\n"
    "Tokens and keys:\n"
    "  token gen|from-clear|verify   protected-key tokens\n"
    "  key generate|list|show|remove|verify|validate NAME   the secure-key repository\n"
    "  wkvp                    the current wrapping-key verification pattern\n"
    "\n"
    "'pdm <command> --help' shows the options of a command.\n"
    "Exit status: 0 ok, 1 usage, 2 configuration, 3 key source, 4 device-mapper,\n"
    "5 keyring, 6 not found, 7 verification failed / key stale, 8 I/O, 9 internal.\n";

}  // namespace

int main(int argc, char** argv)
{
    try {
        pkeydm::forbid_core_dumps();
    } catch (const pkeydm::Error& e) {
        std::cerr << "pdm: " << e.what() << "\n";
        return static_cast<int>(e.code());
    }
    // As dmsetup does: make /dev/mapper/control where it is missing.
    pkeydm::dm_make_control_node_on_demand();
    const std::map<std::string, int (*)(const pdm::Args&)> commands = {
        {"create", pdm::cmd_create}, {"remove", pdm::cmd_remove}, {"status", pdm::cmd_status},
        {"list", pdm::cmd_list},     {"table", pdm::cmd_table},   {"rekey", pdm::cmd_rekey},
        {"token", pdm::cmd_token},   {"key", pdm::cmd_key},       {"wkvp", pdm::cmd_wkvp},
    };
    if (argc < 2) {
        std::cerr << usage_text;
        return static_cast<int>(pkeydm::Errc::usage);
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::cout << usage_text;
        return 0;
    }
    if (cmd == "--version") {
        std::cout << "pdm " << PDM_VERSION << "\n";
        return 0;
    }
    const auto it = commands.find(cmd);
    if (it == commands.end()) {
        std::cerr << "pdm: unknown command '" << cmd << "'\n" << usage_text;
        return static_cast<int>(pkeydm::Errc::usage);
    }
    try {
        return it->second(pdm::Args(argv + 2, argv + argc));
    } catch (const pkeydm::Error& e) {
        std::cerr << "pdm " << cmd << ": " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << "pdm " << cmd << ": internal error: " << e.what() << "\n";
        return static_cast<int>(pkeydm::Errc::internal);
    }
}
