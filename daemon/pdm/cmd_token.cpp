// pdm token gen | from-clear | verify, and pdm wkvp.
// Tokens are key material: printed only with --show-key, or written to a
// 0600 file with --out.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/hex.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/sysfs_protkey.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;

namespace pdm {

namespace {

std::string describe(const TokenInfo& i)
{
    std::string s = std::to_string(i.size) + " bytes, ";
    switch (i.form) {
    case TokenForm::xts_pair: s += "XTS pair of two " + std::string(keytype_name(i.keytype)) + " keys"; break;
    case TokenForm::full_xts: s += "full-XTS " + std::string(keytype_name(i.keytype)); break;
    case TokenForm::single: s += "single " + std::string(keytype_name(i.keytype)); break;
    }
    return s + ", WKVP " + hex_encode(i.wkvp);
}

void emit(const SecureBuffer& token, const po::variables_map& vm)
{
    const auto info = inspect_token(token.span());
    if (vm.count("out")) {
        const auto hex = hex_encode_secure(token.span());
        const auto text = SecureBuffer::concat_text({hex.view(), "\n"});
        write_file_atomic(vm["out"].as<std::string>(), text.span(), 0600);
    }
    if (vm.count("show-key")) {
        const auto hex = hex_encode_secure(token.span());
        std::cout << hex.view() << "\n";
        return;
    }
    std::cout << "token: " << describe(info) << "\n";
    if (!vm.count("out"))
        std::cout << "(not shown: use --show-key to print it or --out FILE to save it)\n";
}

void add_output_options(po::options_description& d)
{
    d.add_options()
        ("show-key", "print the token in hex on stdout (key material)")
        ("out", po::value<std::string>(), "write the token in hex to FILE (mode 0600)");
}

int token_gen(const Common& c, const Args& a)
{
    Common cc = c;
    auto d = common_options(cc);
    add_xts_options(d);
    add_output_options(d);
    d.add_options()("full-xts", "one full-XTS token (protkey_aes_xts_*) instead of a pair");
    po::variables_map vm;
    if (!parse(a, d, {}, vm, "pdm token gen [--xts-128|--xts-256] [--full-xts] [--show-key|--out FILE]"))
        return 0;
    const unsigned bits = xts_bits_from(vm);
    if (vm.count("full-xts")) {
        emit(read_sysfs_protkey(bits == 128 ? "protkey_aes_xts_128" : "protkey_aes_xts_256", cc.cfg.keys.protkey_dir),
             vm);
    } else {
        emit(random_xts_token(bits, cc.cfg.keys), vm);
    }
    return 0;
}

int token_from_clear(const Common& c, const Args& a)
{
    Common cc = c;
    auto d = common_options(cc);
    add_xts_options(d);
    add_output_options(d);
    d.add_options()("key-file", po::value<std::string>()->required(),
                    "raw clear key: 32 bytes (xts-128) or 64 bytes (xts-256), K1 then K2");
    po::variables_map vm;
    if (!parse(a, d, {}, vm, "pdm token from-clear --key-file FILE [--xts-128|--xts-256] [--show-key|--out FILE]"))
        return 0;
    const KeySource src{KeySourceKind::clear, vm["key-file"].as<std::string>()};
    emit(derive_xts_token(src, xts_bits_from(vm), cc.cfg.keys), vm);
    return 0;
}

int token_verify(const Common& c, const Args& a)
{
    Common cc = c;
    auto d = common_options(cc);
    d.add_options()("token", po::value<std::string>(), "token in hex; '-' or absent: read stdin");
    po::positional_options_description pos;
    pos.add("token", 1);
    po::variables_map vm;
    if (!parse(a, d, pos, vm, "pdm token verify [HEX|-]"))
        return 0;
    SecureBuffer token;
    if (!vm.count("token") || vm["token"].as<std::string>() == "-") {
        const auto in = read_file_secure("/dev/stdin", 4096);
        std::string_view v = in.view();
        while (!v.empty() && (v.back() == '\n' || v.back() == ' ' || v.back() == '\r'))
            v.remove_suffix(1);
        token = hex_decode_secure(v, "token from stdin");
    } else {
        token = hex_decode_secure(vm["token"].as<std::string>(), "token argument");
    }
    const auto info = inspect_token(token.span());
    PkeyDevice dev(cc.cfg.keys.pkey_device);
    if (dev.verifyprotk(token.span())) {
        std::cout << "valid: " << describe(info) << "\n";
        return 0;
    }
    std::cout << "stale: " << describe(info) << " does not match the current wrapping key\n";
    return static_cast<int>(Errc::verify);
}

}  // namespace

int cmd_token(const Args& a)
{
    static constexpr const char* usage =
        "pdm token gen [--xts-128|--xts-256] [--full-xts] [--show-key|--out FILE]\n"
        "       pdm token from-clear --key-file FILE [--xts-128|--xts-256] [--show-key|--out FILE]\n"
        "       pdm token verify [HEX|-]";
    if (a.empty())
        throw Error(Errc::usage, std::string("missing subcommand; usage: ") + usage);
    Common c;
    const Args rest(a.begin() + 1, a.end());
    if (a[0] == "gen")
        return token_gen(c, rest);
    if (a[0] == "from-clear")
        return token_from_clear(c, rest);
    if (a[0] == "verify")
        return token_verify(c, rest);
    if (a[0] == "--help" || a[0] == "-h") {
        std::cout << "Usage: " << usage << "\n";
        return 0;
    }
    throw Error(Errc::usage, "unknown subcommand 'token " + a[0] + "'; usage: " + usage);
}

int cmd_wkvp(const Args& a)
{
    Common c;
    auto d = common_options(c);
    po::variables_map vm;
    if (!parse(a, d, {}, vm, "pdm wkvp"))
        return 0;
    // A fresh protected key carries the current WKVP: works on real s390 and
    // the emulation alike.
    SecureBuffer t;
    try {
        t = read_sysfs_protkey("protkey_aes_128", c.cfg.keys.protkey_dir);
    } catch (const Error& e) {
        if (e.code() != Errc::not_found)
            throw;
        t = PkeyDevice(c.cfg.keys.pkey_device).genprotk(KeyType::aes_128);
    }
    std::cout << hex_encode(parse_protkey_token(t.span()).wkvp) << "\n";
    return 0;
}

}  // namespace pdm
