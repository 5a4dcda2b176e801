// Writes the seed inputs that are binary or computed (tokens, sysfs blobs,
// .info files for the harness's secure key)
// into OUTDIR/<target>/, at build time, so the source tree holds only text.
//   fuzz_seeds OUTDIR
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <tuple>

#include "fuzz_common.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;

namespace {

std::string out;

void put(const std::string& target, const std::string& name, std::span<const std::uint8_t> bytes)
{
    const std::string d = out + "/" + target;
    ::mkdir(out.c_str(), 0755);
    ::mkdir(d.c_str(), 0755);
    std::ofstream f(d + "/" + name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f)
        throw std::runtime_error("cannot write " + d + "/" + name);
}

void put_text(const std::string& target, const std::string& name, const std::string& s)
{
    put(target, name, {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

SecureBuffer protkey(KeyType t, std::uint8_t fill, std::uint8_t wkvp)
{
    SecureBuffer k(protkey_length(t));
    std::memset(k.data(), fill, k.size() - wkvp_size);
    std::memset(k.data() + k.size() - wkvp_size, wkvp, wkvp_size);
    return build_protkey_token(t, k.span());
}

std::vector<std::uint8_t> with_selector(std::uint8_t sel, std::span<const std::uint8_t> blob)
{
    std::vector<std::uint8_t> v{sel};
    v.insert(v.end(), blob.begin(), blob.end());
    return v;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 1;
    }
    out = argv[1];
    // Protected-key tokens: single, pair, full-XTS; and the sysfs attribute
    // that yields each (index into fuzz_sysfs_protkey.cpp's attrs[]).
    const struct {
        const char* name;
        KeyType type;
        int sel;
    } singles[] = {{"aes128", KeyType::aes_128, 0},
                   {"aes192", KeyType::aes_192, 1},
                   {"aes256", KeyType::aes_256, 2},
                   {"fullxts128", KeyType::aes_xts_128, 5},
                   {"fullxts256", KeyType::aes_xts_256, 6}};
    for (const auto& s : singles) {
        const auto t = protkey(s.type, 0x11, 0xee);
        put("token", s.name, t.span());
        put("sysfs_protkey", s.name, with_selector(static_cast<std::uint8_t>(s.sel), t.span()));
    }
    for (auto [bits, type, sel] : {std::tuple{128, KeyType::aes_128, 3}, std::tuple{256, KeyType::aes_256, 4}}) {
        const auto k1 = protkey(type, 0x11, 0xee);
        const auto k2 = protkey(type, 0x22, 0xee);
        const auto pair = build_xts_pair(k1.span(), k2.span());
        put("token", "pair" + std::to_string(bits), pair.span());
        put("sysfs_protkey", "pair" + std::to_string(bits),
            with_selector(static_cast<std::uint8_t>(sel), pair.span()));
    }
    for (auto t : {KeyType::aes_128, KeyType::aes_256, KeyType::aes_xts_256}) {
        SecureBuffer clear(clearkey_length(t));
        std::memset(clear.data(), 0x42, clear.size());
        put("token", "clear-" + std::string(keytype_name(t)), build_clear_token(t, clear.span()).span());
    }
    const auto skey = fuzz::fixed_secure_key();
    put("token", "cca-pair", skey);
    put("token", "cca-single", std::span(skey).first(64));
    put("token", "cca-aescipher-pair", fuzz::fixed_secure_key(SecureKeyType::cca_aescipher));
    put("token", "ep11-pair", fuzz::fixed_secure_key(SecureKeyType::ep11));

    // .info files of the harness's .skey: without and with a verification
    // pattern (trusted), and one of another keytype (untrusted).
    KeyInfo info;
    info.name = "k";
    info.keytype = KeyType::aes_xts_256;
    info.created = "2024-01-01T00:00:00Z";
    info.mkvp = "5a5b5c5d5e5f6061";
    put_text("repository_info", "no-vp.info", format_key_info(info));
    info.verification_pattern = "00112233445566778899aabbccddeeff";
    put_text("repository_info", "trusted.info", format_key_info(info));
    info.keytype = KeyType::aes_xts_128;
    put_text("repository_info", "wrong-type.info", format_key_info(info));
    return 0;
}
