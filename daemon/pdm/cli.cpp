#include "cli.hpp"

#include <iostream>

#include "pkeydm/error.hpp"

namespace pdm {

po::options_description common_options(Common& c)
{
    po::options_description d("Common options");
    d.add_options()
        ("help,h", "show help for this command")
        ("verbose,v", po::bool_switch(&c.verbose), "say more")
        ("pdmtab", po::value(&c.cfg.pdmtab)->default_value(c.cfg.pdmtab), "device table")
        ("repository", po::value(&c.cfg.keys.repository)->default_value(c.cfg.keys.repository),
         "secure-key repository (env PDM_KEY_REPOSITORY)")
        ("pkey-device", po::value(&c.cfg.keys.pkey_device)->default_value(c.cfg.keys.pkey_device),
         "pkey character device")
        ("protkey-dir", po::value(&c.cfg.keys.protkey_dir)->default_value(c.cfg.keys.protkey_dir),
         "sysfs protkey directory")
        ("state-dir", po::value(&c.cfg.state_dir)->default_value(c.cfg.state_dir),
         "per-device state written at create, read by pdmd");
    return d;
}

bool parse(const Args& args, po::options_description& desc, const po::positional_options_description& pos,
           po::variables_map& vm, const std::string& usage)
{
    try {
        po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << usage << "\n\n" << desc << "\n";
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw pkeydm::Error(pkeydm::Errc::usage, std::string(e.what()) + " (usage: " + usage + ")");
    }
    return true;
}

void add_xts_options(po::options_description& d)
{
    d.add_options()
        ("xts-128", "AES-XTS-128 (two AES-128 keys)")
        ("xts-256", "AES-XTS-256 (two AES-256 keys; the default)");
}

unsigned xts_bits_from(const po::variables_map& vm, unsigned dflt)
{
    if (vm.count("xts-128") && vm.count("xts-256"))
        throw pkeydm::Error(pkeydm::Errc::usage, "--xts-128 and --xts-256 exclude each other");
    if (vm.count("xts-128"))
        return 128;
    if (vm.count("xts-256"))
        return 256;
    return dflt;
}

}  // namespace pdm
