// pdm create / remove / status / list / table / rekey
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;

namespace pdm {

namespace {

std::string source_name(const std::optional<KeySourceKind>& k)
{
    return k ? std::string(key_source_kind_name(*k)) : "?";
}

DeviceState state_from_flags_or_pdmtab(const Common& c, const std::string& name, const po::variables_map& vm)
{
    DeviceState s;
    s.name = name;
    if (vm.count("device")) {
        s.device = vm["device"].as<std::string>();
        s.source = parse_key_source(vm["key"].as<std::string>(), "--key");
    } else {
        const auto tab = load_pdmtab(c.cfg.pdmtab);
        const auto e = find_pdmtab_entry(tab, name);
        if (!e)
            throw Error(Errc::not_found, "'" + name + "' is not in " + c.cfg.pdmtab + " and --device was not given");
        s.device = e->device;
        s.source = e->source;
        s.options = e->options;
        if (vm["key"].defaulted() == false)
            s.source = parse_key_source(vm["key"].as<std::string>(), "--key");
    }
    // Flags refine what pdmtab says.
    if (vm.count("options"))
        parse_device_options(vm["options"].as<std::string>(), s.options, "--options");
    if (vm.count("sector-size"))
        parse_device_options("sector-size=" + std::to_string(vm["sector-size"].as<unsigned>()), s.options,
                             "--sector-size");
    // Through the pdmtab parser: a number type would read "-1" as 2^32-1.
    if (vm.count("key-timeout"))
        parse_device_options("key-timeout=" + vm["key-timeout"].as<std::string>(), s.options, "--key-timeout");
    if (vm.count("on-key-loss"))
        parse_device_options("on-key-loss=" + vm["on-key-loss"].as<std::string>(), s.options, "--on-key-loss");
    if (vm.count("swap") || vm.count("swapon"))
        s.options.swap = true;
    if (vm.count("discard"))
        s.options.discard = true;
    s.options.xts_bits = xts_bits_from(vm, s.options.xts_bits);
    return s;
}

}  // namespace

namespace {

// pdm create --all: every pdmtab entry that is not a device yet, except
// noauto ones.  A bad line or one failure does not stop the others; the exit
// status is the first failure's.
int create_all(const Common& c, const CreateOptions& co)
{
    const auto tab = load_pdmtab_lines(c.cfg.pdmtab);
    int rc = 0;
    for (const auto& err : tab.errors) {
        std::cerr << "pdm create: " << err << ", line skipped\n";
        rc = static_cast<int>(Errc::config);
    }
    for (const auto& e : tab.entries) {
        if (e.options.noauto) {
            std::cout << e.name << ": noauto, skipped\n";
            continue;
        }
        try {
            if (dm_device_info(e.name).exists) {
                std::cout << e.name << ": exists, skipped\n";
                continue;
            }
            const DeviceState s{e.name, e.device, e.source, e.options, {}};
            CreateOptions eco = co;
            eco.swapon = co.swapon && s.options.swap;
            create_device(c.cfg, s, eco);
            std::cout << "created " << mapper_path(e.name) << " (" << format_key_source(s.source) << ")"
                      << (eco.swapon ? ", swap on" : s.options.swap ? ", swap area" : "") << "\n";
        } catch (const Error& err) {
            std::cerr << "pdm create: " << e.file << ":" << e.line << ": " << e.name << ": " << err.what() << "\n";
            if (!rc)
                rc = static_cast<int>(err.code());
        }
    }
    return rc;
}

}  // namespace

int cmd_create(const Args& a)
{
    Common c;
    auto d = common_options(c);
    std::string name;
    d.add_options()
        ("name", po::value(&name), "device name (pdmtab entry)")
        ("all", "every pdmtab entry that is not a device yet and not noauto (boot without systemd); with --swapon, swap entries go on")
        ("device", po::value<std::string>(), "backing device: path, UUID=, PARTUUID=, LABEL=, PARTLABEL= (instead of pdmtab)")
        ("key", po::value<std::string>()->default_value("ephemeral"),
         "key source: ephemeral | secure:<repository key> | clear:<key file> | "
         "random-secure[:cca-aesdata|cca-aescipher|ep11]")
        ("sector-size", po::value<unsigned>(), "encryption sector size (512..4096, default 4096)")
        ("options,o", po::value<std::string>(), "pdmtab-style options, comma-separated")
        ("key-timeout", po::value<std::string>(), "ms parked I/O waits for a fresh key before EIO (0..3600000, 0: forever)")
        ("on-key-loss", po::value<std::string>(), "ephemeral key lost: replace (default) | error")
        ("discard", "pass discards down (allow_discards)")
        ("swap", "make it a swap area (mkswap)")
        ("swapon", "make it a swap area and enable it")
        ("no-mkswap", "with --swap: do not run mkswap");
    add_xts_options(d);
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm create NAME [--device DEV --key SOURCE] [options] | pdm create --all [--swapon]"))
        return 0;
    CreateOptions co;
    co.swapon = vm.count("swapon") > 0;
    co.mkswap = vm.count("no-mkswap") == 0;
    if (vm.count("all")) {
        for (const char* o : {"device", "sector-size", "options", "key-timeout", "on-key-loss", "discard", "swap",
                              "xts-128", "xts-256"})
            if (vm.count(o))
                throw Error(Errc::usage, std::string("--all takes its devices from pdmtab; --") + o + " does not apply");
        if (!vm["key"].defaulted())
            throw Error(Errc::usage, "--all takes its devices from pdmtab; --key does not apply");
        if (!name.empty())
            throw Error(Errc::usage, "give either NAME or --all");
        return create_all(c, co);
    }
    if (name.empty())
        throw Error(Errc::usage, "missing NAME (usage: pdm create NAME [options] | pdm create --all)");
    const auto s = state_from_flags_or_pdmtab(c, name, vm);
    create_device(c.cfg, s, co);
    std::cout << "created " << mapper_path(name) << " (" << format_key_source(s.source) << ", xts-"
              << s.options.xts_bits << ", sector size " << s.options.sector_size << ")"
              << (co.swapon ? ", swap on" : s.options.swap ? ", swap area" : "") << "\n";
    return 0;
}

int cmd_remove(const Args& a)
{
    Common c;
    auto d = common_options(c);
    std::string name;
    d.add_options()
        ("name", po::value(&name)->required(), "device name")
        ("force", "remove even a device pdm did not create");
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm remove NAME [--force]"))
        return 0;
    remove_device(c.cfg, name, vm.count("force") > 0);
    if (c.verbose)
        std::cout << "removed " << name << "\n";
    return 0;
}

int cmd_status(const Args& a)
{
    Common c;
    auto d = common_options(c);
    std::string name;
    d.add_options()
        ("name", po::value(&name), "device name (default: all pdm devices)")
        ("json", "machine-readable output");
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm status [NAME] [--json]"))
        return 0;
    std::vector<DeviceReport> reports;
    if (!name.empty()) {
        reports.push_back(device_report(c.cfg, name));
        // A named device whose paes status cannot be read (another target
        // type, a status pdm cannot parse) is an error, not a report: read it
        // once more to throw the reason with its exit status.
        if (!reports[0].error.empty())
            (void)paes_status(name);
    } else {
        for (const auto& e : dm_list_pdm())
            reports.push_back(device_report(c.cfg, e.name));
    }
    if (vm.count("json")) {
        auto arr = nlohmann::json::array();
        for (const auto& r : reports) {
            nlohmann::json j;
            j["name"] = r.name;
            j["uuid"] = r.uuid;
            j["source"] = source_name(r.kind);
            j["suspended"] = r.suspended;
            j["open_count"] = r.open_count;
            j["key"] = std::string(key_state_name(r.status.key));
            j["key_form"] = r.key_form.empty() ? nlohmann::json() : nlohmann::json(r.key_form);
            if (r.master_key)
                j["master_key"] = std::string(master_key_state_name(*r.master_key));
            else if (!r.master_key_error.empty())
                j["master_key_error"] = r.master_key_error;
            nlohmann::json f = nlohmann::json::object();
            for (const auto& [k, v] : r.status.fields)
                f[k] = v;
            j["status"] = f;
            if (!r.error.empty())
                j["error"] = r.error;
            arr.push_back(j);
        }
        std::cout << (name.empty() ? arr.dump(2) : arr[0].dump(2)) << "\n";
        return 0;
    }
    if (!name.empty()) {
        const auto& r = reports[0];
        std::cout << "name:         " << r.name << "\n"
                  << "uuid:         " << r.uuid << "\n"
                  << "source:       " << source_name(r.kind) << "\n"
                  << "suspended:    " << (r.suspended ? "yes" : "no") << "\n"
                  << "open count:   " << r.open_count << "\n"
                  << "key form:     " << (r.key_form.empty() ? "?" : r.key_form) << "\n";
        if (r.master_key)
            std::cout << "master key:   " << master_key_state_name(*r.master_key) << "\n";
        else if (!r.master_key_error.empty())
            std::cout << "master key:   ? (" << r.master_key_error << ")\n";
        if (!r.error.empty())
            std::cout << "error:        " << r.error << "\n";
        for (const auto& [k, v] : r.status.fields)
            std::cout << std::left << std::setw(14) << (k + ":") << v << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(16) << "NAME" << std::setw(14) << "SOURCE" << std::setw(7) << "KEY"
              << std::setw(9) << "FORM" << std::setw(10) << "MASTERKEY"
              << std::setw(6) << "GEN" << std::setw(8) << "PARKED" << std::setw(7) << "STALE"
              << "LOST_BLOCKS\n";
    for (const auto& r : reports) {
        auto n = [&](const char* f) {
            const auto v = r.status.get(f);
            return v ? std::string(*v) : std::string("-");
        };
        std::cout << std::left << std::setw(16) << r.name << std::setw(14) << source_name(r.kind) << std::setw(7)
                  << key_state_name(r.status.key) << std::setw(9) << (r.key_form.empty() ? "-" : r.key_form)
                  << std::setw(10)
                  << (r.master_key ? std::string(master_key_state_name(*r.master_key))
                                   : r.master_key_error.empty() ? "-" : "?")
                  << std::setw(6) << n("gen") << std::setw(8) << n("parked")
                  << std::setw(7) << n("stale_events") << n("lost_blocks") << "\n";
    }
    return 0;
}

int cmd_list(const Args& a)
{
    Common c;
    auto d = common_options(c);
    po::positional_options_description pos;
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm list"))
        return 0;
    for (const auto& e : dm_list_pdm())
        std::cout << e.name << "\n";
    return 0;
}

int cmd_table(const Args& a)
{
    Common c;
    auto d = common_options(c);
    std::string name;
    d.add_options()
        ("name", po::value(&name)->required(), "device name")
        ("pdmtab-only", "print the table pdm create would load, even if the device exists");
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm table NAME [--pdmtab-only]"))
        return 0;
    bool live = false;
    if (!vm.count("pdmtab-only")) {
        try {
            live = dm_device_info(name).exists;
        } catch (const Error&) {
            // No device-mapper here: what pdmtab would load is still useful.
        }
    }
    if (live) {
        for (const auto& t : dm_table(name)) {
            if (t.type == paes_target) {
                // Through the parser so a hex key could never be printed.
                std::cout << format_paes_line(parse_paes_params(t.start, t.length, t.params)) << "\n";
            } else {
                std::cout << t.start << " " << t.length << " " << t.type << " " << t.params << "\n";
            }
        }
        return 0;
    }
    const auto tab = load_pdmtab(c.cfg.pdmtab);
    const auto e = find_pdmtab_entry(tab, name);
    if (!e)
        throw Error(Errc::not_found, "'" + name + "' is neither a device nor in " + c.cfg.pdmtab);
    DeviceState s{e->name, resolve_device(e->device), e->source, e->options, {}};
    std::cout << format_paes_line(build_paes_table(s, device_sectors(s.device), xts_pair_token_size)) << "\n";
    return 0;
}

int cmd_rekey(const Args& a)
{
    Common c;
    auto d = common_options(c);
    std::string name;
    d.add_options()
        ("name", po::value(&name)->required(), "device name")
        ("replace", "inject a NEW random key (ephemeral keys): data written before is lost")
        ("force", "with --replace: even while the current key is valid");
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm rekey NAME [--replace [--force]]"))
        return 0;
    if (vm.count("force") && !vm.count("replace"))
        throw Error(Errc::usage, "--force only goes with --replace");
    const auto info = dm_device_info(name);
    if (!info.exists)
        throw Error(Errc::not_found, "device-mapper device '" + name + "' does not exist");
    const auto mode = vm.count("replace") ? RekeyMode::replace : RekeyMode::set;
    if (mode == RekeyMode::replace && !vm.count("force")) {
        // A new key makes every block written so far unreadable: only when
        // the old key is gone anyway, unless the caller insists.
        const auto k = paes_status(name).key;
        if (k != KeyState::stale && k != KeyState::lost && k != KeyState::none)
            throw Error(Errc::usage, "'" + name + "': the key is " + std::string(key_state_name(k)) +
                                         "; --replace would make all data written so far unreadable. Use "
                                         "--replace only for a stale, lost or missing key, or add --force");
    }
    const auto s = device_state_for(c.cfg, name, info.uuid);
    const auto r = rekey_device(c.cfg, s, mode, vm.count("force") > 0);
    std::cout << name << ": key " << (mode == RekeyMode::set ? "set" : "replaced") << ", "
              << key_state_name(r.before.key) << " -> " << key_state_name(r.after.key) << ", gen "
              << r.after.get("gen").value_or("?");
    if (mode == RekeyMode::replace)
        std::cout << ", lost_blocks " << r.after.get("lost_blocks").value_or("?");
    std::cout << "\n";
    return r.after.key == KeyState::valid ? 0 : static_cast<int>(Errc::verify);
}

}  // namespace pdm
