#include "pkeydm/key/repository.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/hex.hpp"
#include "pkeydm/device/paes_table.hpp"
#include "pkeydm/config/pdmtab.hpp"

namespace pkeydm {

namespace {

std::optional<KeyType> keytype_from_name(std::string_view s)
{
    for (auto t : {KeyType::aes_128, KeyType::aes_192, KeyType::aes_256, KeyType::aes_xts_128, KeyType::aes_xts_256})
        if (keytype_name(t) == s)
            return t;
    return std::nullopt;
}

bool is_xts(KeyType t) { return t == KeyType::aes_xts_128 || t == KeyType::aes_xts_256; }

unsigned key_bits(KeyType t)
{
    switch (t) {
    case KeyType::aes_128:
    case KeyType::aes_xts_128: return 128;
    case KeyType::aes_192: return 192;
    default: return 256;
    }
}

// Two of the largest secure-key token pdm accepts.
const std::size_t max_skey_file = 2 * std::max({max_secure_key_size(SecureKeyType::cca_aesdata),
                                                max_secure_key_size(SecureKeyType::cca_aescipher),
                                                max_secure_key_size(SecureKeyType::ep11)});

std::string now_iso8601()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void check_name(const std::string& name)
{
    if (!valid_device_name(name))
        throw Error(Errc::usage, "key name '" + name + "': use 1..64 of A-Z a-z 0-9 _ . + -");
}

}  // namespace

SecureKeyType check_secure_key_blob(std::span<const std::uint8_t> skey, KeyType type, std::string_view what)
{
    const std::size_t want = is_xts(type) ? 2 : 1;
    const auto parts = split_secure_keys(skey, what);
    if (parts.size() != want)
        throw Error(Errc::config, std::string(what) + ": " + std::to_string(parts.size()) + " secure-key token(s) (" +
                                      std::to_string(skey.size()) + " bytes), a " + std::string(keytype_name(type)) +
                                      " secure key has " + std::to_string(want));
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& info = parts[i].info;
        const std::string part = std::string(what) + (want == 2 ? (i ? " K2" : " K1") : "");
        if (info.bits != 0 && info.bits != key_bits(type))
            throw Error(Errc::config, part + ": a " + std::to_string(info.bits) + "-bit key, " +
                                          std::string(keytype_name(type)) + " needs " +
                                          std::to_string(key_bits(type)));
        if (i && info.mkvp != parts[0].info.mkvp)
            throw Error(Errc::config, part + ": " + (info.type == SecureKeyType::ep11 ? "WKVP" : "MKVP") +
                                          " differs from K1 (enciphered under another master key)");
    }
    return parts[0].info.type;
}

std::string format_key_info(const KeyInfo& i)
{
    return "# pdm secure key repository entry; written by pdm, do not edit\n"
           "name=" + i.name + "\n" +
           "keytype=" + std::string(keytype_name(i.keytype)) + "\n" +
           "secure-key-type=" + std::string(secure_key_type_name(i.secure_key_type)) + "\n" +
           "created=" + i.created + "\n" +
           // mkvp is optional: an empty "mkvp=" line would not parse back.
           (i.mkvp.empty() ? "" : "mkvp=" + i.mkvp + "\n") +
           (i.verification_pattern.empty() ? "" : "verification-pattern=" + i.verification_pattern + "\n");
}

KeyInfo parse_key_info(std::string_view text, std::string_view what)
{
    KeyInfo info;
    bool have_type = false, have_name = false;
    unsigned lineno = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        if (line.empty() || line.starts_with('#'))
            continue;
        const std::string at = std::string(what) + ":" + std::to_string(lineno);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos)
            throw Error(Errc::config, at + ": expected field=value");
        const auto key = line.substr(0, eq);
        const auto val = line.substr(eq + 1);
        if (key == "name") {
            info.name = val;
            have_name = true;
        } else if (key == "keytype") {
            const auto t = keytype_from_name(val);
            if (!t)
                throw Error(Errc::config, at + ": keytype '" + std::string(val) + "' unknown");
            info.keytype = *t;
            have_type = true;
        } else if (key == "secure-key-type") {
            const auto t = secure_key_type_from_name(val);
            if (!t)
                throw Error(Errc::config, at + ": secure-key-type '" + std::string(val) +
                                              "' unknown (cca-aesdata, cca-aescipher, ep11)");
            info.secure_key_type = *t;
        } else if (key == "created") {
            info.created = val;
        } else if (key == "mkvp") {
            // 16 hex digits: a CCA MKVP; 32: an EP11 WKVP.
            if ((val.size() != 16 && val.size() != 32) || !is_hex(val))
                throw Error(Errc::config, at + ": mkvp must be 16 (CCA) or 32 (EP11) hex digits");
            info.mkvp = val;
        } else if (key == "verification-pattern") {
            // 64 hex digits: the SHA-256 of the .skey older versions wrote,
            // which says nothing about the effective key.  Ignored; the next
            // create records the target's pattern instead.
            if (val.size() == 64 && is_hex(val))
                continue;
            if (val.size() != paes_vp_hex_digits || !is_hex(val))
                throw Error(Errc::config, at + ": verification-pattern must be 32 hex digits (the dm-paes "
                                               "verification pattern of the key)");
            info.verification_pattern = normalize_vp(val, at);
        }
        // Unknown fields: ignored, so newer versions may add some.
    }
    if (!have_name)
        throw Error(Errc::config, std::string(what) + ": field 'name' missing");
    if (!have_type)
        throw Error(Errc::config, std::string(what) + ": field 'keytype' missing");
    return info;
}

Repository::Repository(std::string dir) : dir_(std::move(dir)) {}

std::string Repository::default_dir()
{
    if (const char* env = std::getenv("PDM_KEY_REPOSITORY"); env && *env)
        return env;
    return default_repository;
}

std::string Repository::path(const std::string& name, const char* ext) const
{
    return dir_ + "/" + name + ext;
}

KeyInfo Repository::store(const std::string& name, std::span<const std::uint8_t> skey, KeyType type, bool overwrite)
{
    check_name(name);
    const auto sktype = check_secure_key_blob(skey, type, "secure key '" + name + "'");
    make_dirs(dir_, 0700);
    FileLock lock(dir_ + "/.lock", true);
    if (!overwrite && exists(name))
        throw Error(Errc::usage, "key '" + name + "' already exists in " + dir_);
    KeyInfo info;
    info.name = name;
    info.keytype = type;
    info.created = now_iso8601();
    info.secure_key_type = sktype;
    info.mkvp = inspect_secure_key(skey).mkvp;
    // .skey first: a crash between the two leaves an entry that load()
    // reports untrusted rather than an .info without a key.
    write_file_atomic(path(name, ".skey"), skey, 0600);
    write_file_atomic(path(name, ".info"), format_key_info(info), 0600);
    return info;
}

RepositoryKey Repository::load(const std::string& name) const
{
    check_name(name);
    RepositoryKey k;
    const std::string ipath = path(name, ".info");
    const std::string spath = path(name, ".skey");
    struct stat st;
    if (::stat(spath.c_str(), &st) != 0)
        throw_errno(errno == ENOENT ? Errc::not_found : Errc::keysource, "secure key '" + name + "' (" + spath + ")",
                    errno);
    check_dir_trust(dir_, Errc::keysource);
    FileLock lock(dir_ + "/.lock", false);
    k.skey = read_trusted_file(spath, max_skey_file, FileTrust::secret, Errc::keysource);
    const auto info = read_trusted_file(ipath, 4096, FileTrust::config, Errc::keysource);
    k.info = parse_key_info(std::string(info.view()), ipath);
    auto untrusted = [&](std::string why) {
        k.trusted = false;
        k.untrusted_reason = std::move(why);
        return std::move(k);
    };
    if (k.info.name != name)
        return untrusted(ipath + " names key '" + k.info.name + "'");
    try {
        const auto sktype = check_secure_key_blob(k.skey.span(), k.info.keytype, spath);
        if (sktype != k.info.secure_key_type)
            return untrusted(spath + " holds a " + std::string(secure_key_type_name(sktype)) + " key, " + ipath +
                             " says " + std::string(secure_key_type_name(k.info.secure_key_type)));
        if (!k.info.mkvp.empty() && inspect_secure_key(k.skey.span()).mkvp != k.info.mkvp)
            return untrusted("MKVP in " + ipath + " does not match " + spath);
    } catch (const Error& e) {
        return untrusted(e.what());
    }
    k.trusted = true;
    return k;
}

RepositoryKey Repository::load_trusted(const std::string& name) const
{
    auto k = load(name);
    if (!k.trusted)
        throw Error(Errc::verify, "secure key '" + name + "' is not trusted: " + k.untrusted_reason);
    return k;
}

std::vector<std::string> Repository::list() const
{
    std::vector<std::string> out;
    DIR* d = ::opendir(dir_.c_str());
    if (!d) {
        if (errno == ENOENT)
            return out;
        throw_errno(Errc::io, "open repository " + dir_, errno);
    }
    while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n.size() > 5 && n.ends_with(".skey"))
            out.push_back(n.substr(0, n.size() - 5));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

bool Repository::record_verification_pattern(const std::string& name, const std::string& vp)
{
    check_name(name);
    const auto pattern = normalize_vp(vp, "verification pattern of key '" + name + "'");
    check_dir_trust(dir_, Errc::keysource);
    FileLock lock(dir_ + "/.lock", true);
    const std::string ipath = path(name, ".info");
    const auto text = read_trusted_file(ipath, 4096, FileTrust::config, Errc::keysource);
    auto info = parse_key_info(std::string(text.view()), ipath);
    if (!info.verification_pattern.empty())
        return false;
    info.verification_pattern = pattern;
    write_file_atomic(ipath, format_key_info(info), 0600);
    return true;
}

bool Repository::exists(const std::string& name) const
{
    struct stat st;
    return ::stat(path(name, ".skey").c_str(), &st) == 0;
}

void Repository::remove(const std::string& name)
{
    check_name(name);
    FileLock lock(dir_ + "/.lock", true);
    if (!exists(name))
        throw Error(Errc::not_found, "key '" + name + "' not found in " + dir_);
    for (const char* ext : {".skey", ".info"}) {
        const auto p = path(name, ext);
        if (::unlink(p.c_str()) < 0 && errno != ENOENT)
            throw_errno(Errc::io, "remove " + p, errno);
    }
}

}  // namespace pkeydm
