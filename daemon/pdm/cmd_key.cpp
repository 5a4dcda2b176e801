// pdm key generate | list | show | remove | verify | validate: the secure-key
// repository.
#include <iomanip>
#include <iostream>

#include "cli.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/key_validation.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/repository.hpp"

using namespace pkeydm;

namespace pdm {

namespace {

constexpr const char* usage =
    "pdm key generate NAME [--type cca-aesdata|cca-aescipher|ep11] [--xts-128|--xts-256]\n"
    "                            [--from-clear FILE] [--force]\n"
    "       pdm key list\n"
    "       pdm key show NAME\n"
    "       pdm key remove NAME [--force]\n"
    "       pdm key verify NAME\n"
    "       pdm key validate [NAME] [--json]";

struct Parsed {
    Common c;
    std::string name;
    po::variables_map vm;
};

// Returns false when --help was handled.
bool parse_named(const Args& a, Parsed& p, const std::string& use, bool need_name,
                 void (*extra)(po::options_description&) = nullptr)
{
    auto d = common_options(p.c);
    auto name_opt = po::value(&p.name);
    if (need_name)
        name_opt->required();
    d.add_options()("name", name_opt, "key name");
    if (extra)
        extra(d);
    po::positional_options_description pos;
    pos.add("name", 1);
    return parse(a, d, pos, p.vm, use);
}

int key_generate(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p,
                     "pdm key generate NAME [--type cca-aesdata|cca-aescipher|ep11] [--xts-128|--xts-256] "
                     "[--from-clear FILE] [--force]",
                     true, [](po::options_description& d) {
                         add_xts_options(d);
                         d.add_options()
                             ("type", po::value<std::string>()->default_value("cca-aesdata"),
                              "secure-key type: cca-aesdata, cca-aescipher or ep11")
                             ("from-clear", po::value<std::string>(),
                              "make the secure key from a raw clear key: 32 (xts-128) or 64 (xts-256) bytes")
                             ("force", "replace an existing key of that name");
                     }))
        return 0;
    const unsigned bits = xts_bits_from(p.vm);
    const auto type_name = p.vm["type"].as<std::string>();
    const auto type = secure_key_type_from_name(type_name);
    if (!type)
        throw Error(Errc::usage, "--type '" + type_name + "': expected cca-aesdata, cca-aescipher or ep11");
    const KeyType half = bits == 128 ? KeyType::aes_128 : KeyType::aes_256;
    // CCA AESDATA through the original ioctls, which every pkey driver has.
    const bool legacy = *type == SecureKeyType::cca_aesdata;
    PkeyDevice dev(p.c.cfg.keys.pkey_device);
    SecureBuffer k1, k2;
    if (p.vm.count("from-clear")) {
        const auto path = p.vm["from-clear"].as<std::string>();
        const std::size_t n = bits / 8;
        const auto clear = read_trusted_file(path, 2 * n, FileTrust::secret, Errc::keysource);
        if (clear.size() != 2 * n)
            throw Error(Errc::config, "clear key file " + path + ": " + std::to_string(clear.size()) + " bytes, xts-" +
                                          std::to_string(bits) + " needs " + std::to_string(2 * n));
        k1 = legacy ? dev.clr2seck(half, clear.span().first(n)) : dev.clr2seck2(*type, bits, clear.span().first(n));
        k2 = legacy ? dev.clr2seck(half, clear.span().subspan(n)) : dev.clr2seck2(*type, bits, clear.span().subspan(n));
    } else {
        k1 = legacy ? dev.genseck(half) : dev.genseck2(*type, bits);
        k2 = legacy ? dev.genseck(half) : dev.genseck2(*type, bits);
    }
    const auto skey = SecureBuffer::concat({k1.span(), k2.span()});
    Repository repo(p.c.cfg.keys.repository);
    const auto info = repo.store(p.name, skey.span(), bits == 128 ? KeyType::aes_xts_128 : KeyType::aes_xts_256,
                                 p.vm.count("force") > 0);
    std::cout << "generated " << p.name << " (" << keytype_name(info.keytype) << ", "
              << secure_key_type_name(info.secure_key_type) << ", MKVP " << info.mkvp << ") in "
              << repo.dir() << "\n";
    return 0;
}

int key_list(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p, "pdm key list", false))
        return 0;
    Repository repo(p.c.cfg.keys.repository);
    for (const auto& n : repo.list()) {
        try {
            const auto k = repo.load(n);
            std::cout << n << "\t" << keytype_name(k.info.keytype) << "\t" << secure_key_type_name(k.info.secure_key_type)
                      << "\t" << k.info.created << "\t"
                      << (k.trusted ? "trusted" : "NOT TRUSTED") << "\n";
        } catch (const Error& e) {
            std::cout << n << "\t?\t?\t?\tBROKEN: " << e.what() << "\n";
        }
    }
    return 0;
}

int key_show(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p, "pdm key show NAME", true))
        return 0;
    const auto k = Repository(p.c.cfg.keys.repository).load(p.name);
    std::cout << "name:                 " << k.info.name << "\n"
              << "keytype:              " << keytype_name(k.info.keytype) << "\n"
              << "secure key type:      " << secure_key_type_name(k.info.secure_key_type) << "\n"
              << "created:              " << k.info.created << "\n"
              << "mkvp:                 " << k.info.mkvp << "\n"
              << "verification pattern: "
              << (k.info.verification_pattern.empty() ? "- (recorded by the first 'pdm create' with the key)"
                                                      : k.info.verification_pattern)
              << "\n"
              << "trusted:              " << (k.trusted ? "yes" : "NO: " + k.untrusted_reason) << "\n";
    if (!k.trusted) {
        std::cerr << "pdm key show: key '" << p.name << "' is NOT trusted: " << k.untrusted_reason << "\n";
        return static_cast<int>(Errc::verify);
    }
    return 0;
}

int key_remove(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p, "pdm key remove NAME [--force]", true,
                     [](po::options_description& d) { d.add_options()("force", "even if pdmtab uses it"); }))
        return 0;
    if (!p.vm.count("force")) {
        for (const auto& e : load_pdmtab(p.c.cfg.pdmtab))
            if (e.source.kind == KeySourceKind::secure && e.source.arg == p.name)
                throw Error(Errc::usage, e.file + ":" + std::to_string(e.line) + ": device '" + e.name + "' uses key '" +
                                             p.name + "'; data encrypted with it is lost without it (--force)");
    }
    Repository(p.c.cfg.keys.repository).remove(p.name);
    return 0;
}

int key_verify(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p, "pdm key verify NAME", true))
        return 0;
    const auto k = Repository(p.c.cfg.keys.repository).load_trusted(p.name);
    // The real test: can the key be turned into a working protected key now?
    const KeySource src{KeySourceKind::secure, p.name};
    const unsigned bits = k.info.keytype == KeyType::aes_xts_128 ? 128 : 256;
    const auto token = derive_xts_token(src, bits, p.c.cfg.keys);
    if (!PkeyDevice(p.c.cfg.keys.pkey_device).verifyprotk(token.span()))
        throw Error(Errc::verify, "key '" + p.name + "': derived protected key does not verify");
    std::cout << p.name << ": trusted, derives a valid protected key\n";
    return 0;
}

int key_validate(const Args& a)
{
    Parsed p;
    if (!parse_named(a, p, "pdm key validate [NAME] [--json]", false,
                     [](po::options_description& d) { d.add_options()("json", "machine-readable output"); }))
        return 0;
    const Repository repo(p.c.cfg.keys.repository);
    const auto names = p.name.empty() ? repo.list() : std::vector<std::string>{p.name};
    if (!p.name.empty() && !repo.exists(p.name))
        throw Error(Errc::not_found, "key '" + p.name + "' not found in " + repo.dir());
    PkeyDevice dev(p.c.cfg.keys.pkey_device);
    std::vector<KeyValidation> keys;
    for (const auto& n : names)
        keys.push_back(validate_key(repo, n, dev));
    if (p.vm.count("json")) {
        std::cout << format_validation_json(keys) << "\n";
    } else {
        std::cout << std::left << std::setw(20) << "NAME" << std::setw(15) << "TYPE" << std::setw(6) << "BITS"
                  << std::setw(34) << "MKVP" << "MASTER KEY\n";
        for (const auto& v : keys) {
            std::cout << std::setw(20) << v.name << std::setw(15) << (v.type.empty() ? "?" : v.type) << std::setw(6)
                      << (v.bits ? std::to_string(v.bits) : "?") << std::setw(34) << (v.mkvp.empty() ? "?" : v.mkvp)
                      << (v.state ? std::string(master_key_state_name(*v.state)) : "error") << "\n";
            if (const auto hint = validation_hint(v); !hint.empty())
                std::cout << "  " << v.name << ": " << hint << "\n";
            if (!v.state)
                std::cout << "  " << v.name << ": " << v.error << "\n";
        }
    }
    return validation_failed(keys) ? static_cast<int>(Errc::verify) : 0;
}

}  // namespace

int cmd_key(const Args& a)
{
    if (a.empty())
        throw Error(Errc::usage, std::string("missing subcommand; usage: ") + usage);
    const Args rest(a.begin() + 1, a.end());
    if (a[0] == "generate")
        return key_generate(rest);
    if (a[0] == "list")
        return key_list(rest);
    if (a[0] == "show")
        return key_show(rest);
    if (a[0] == "remove")
        return key_remove(rest);
    if (a[0] == "verify")
        return key_verify(rest);
    if (a[0] == "validate")
        return key_validate(rest);
    if (a[0] == "--help" || a[0] == "-h") {
        std::cout << "Usage: " << usage << "\n";
        return 0;
    }
    throw Error(Errc::usage, "unknown subcommand 'key " + a[0] + "'; usage: " + usage);
}

}  // namespace pdm
