#include "pkeydm/config/device_state.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/device/paes_table.hpp"

namespace pkeydm {

namespace {

constexpr std::string_view kinds[] = {"EPHEMERAL", "SECURE", "CLEAR", "RANDOMSECURE"};

std::string_view uuid_kind(KeySourceKind k)
{
    return kinds[static_cast<int>(k)];
}

// A whole number in 0..UINT32_MAX, or @dflt when absent.  nlohmann's own
// conversion casts a float or an out-of-range number unchecked (undefined
// behaviour for 2e57 into an unsigned, found by fuzz.device_state.long).
std::uint32_t u32_field(const nlohmann::json& j, const char* key, std::uint32_t dflt,
                        const std::string& what)
{
    if (!j.contains(key))
        return dflt;
    const auto& v = j.at(key);
    if (!v.is_number_unsigned() ||
        v.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
        throw Error(Errc::config, what + ": " + key + " must be a whole number from 0 to 4294967295");
    return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

}  // namespace

std::string pdm_uuid(KeySourceKind kind, std::string_view name)
{
    return "PDM-" + std::string(uuid_kind(kind)) + "-" + std::string(name);
}

std::optional<KeySourceKind> kind_from_uuid(std::string_view uuid)
{
    if (!uuid.starts_with("PDM-"))
        return std::nullopt;
    uuid.remove_prefix(4);
    for (int i = 0; i < static_cast<int>(std::size(kinds)); ++i)
        if (uuid.starts_with(kinds[i]) && uuid.size() > kinds[i].size() && uuid[kinds[i].size()] == '-')
            return static_cast<KeySourceKind>(i);
    return std::nullopt;
}

std::string format_device_state(const DeviceState& s)
{
    nlohmann::json j;
    j["version"] = 1;
    j["name"] = s.name;
    j["device"] = s.device;
    j["keysource"] = format_key_source(s.source);
    j["xts_bits"] = s.options.xts_bits;
    j["on_key_loss"] = std::string(on_key_loss_name(s.options.on_key_loss));
    j["swap"] = s.options.swap;
    j["sector_size"] = s.options.sector_size;
    j["discard"] = s.options.discard;
    j["iv_large_sectors"] = s.options.iv_large_sectors;
    if (s.options.key_timeout_ms)
        j["key_timeout_ms"] = *s.options.key_timeout_ms;
    if (!s.vp.empty())
        j["vp"] = s.vp;
    return j.dump(2) + "\n";
}

DeviceState parse_device_state(std::string_view text, std::string_view what)
{
    const std::string w(what);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(Errc::config, w + ": not valid JSON: " + e.what());
    }
    try {
        DeviceState s;
        s.name = j.at("name").get<std::string>();
        s.device = j.value("device", "");
        s.source = parse_key_source(j.at("keysource").get<std::string>(), w + ": keysource");
        s.options.xts_bits = u32_field(j, "xts_bits", 256, w);
        if (s.options.xts_bits != 128 && s.options.xts_bits != 256)
            throw Error(Errc::config, w + ": xts_bits must be 128 or 256");
        const auto okl = j.value("on_key_loss", std::string("replace"));
        parse_device_options("on-key-loss=" + okl, s.options, w);
        s.options.swap = j.value("swap", false);
        s.options.sector_size = u32_field(j, "sector_size", 4096, w);
        s.options.discard = j.value("discard", false);
        s.options.iv_large_sectors = j.value("iv_large_sectors", false);
        if (j.contains("key_timeout_ms"))
            s.options.key_timeout_ms = u32_field(j, "key_timeout_ms", 0, w);
        // Absent in state files of older pdm versions: not known yet.
        if (j.contains("vp"))
            s.vp = normalize_vp(j.at("vp").get<std::string>(), w + ": vp");
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw Error(Errc::config, w + ": " + e.what());
    }
}

void save_device_state(const std::string& dir, const DeviceState& s)
{
    make_dirs(dir, 0700);
    write_file_atomic(dir + "/" + s.name + ".json", format_device_state(s), 0600);
}

std::optional<DeviceState> load_device_state(const std::string& dir, const std::string& name)
{
    const std::string path = dir + "/" + name + ".json";
    std::string text;
    try {
        text = read_text_file(path, 65536);
    } catch (const Error& e) {
        if (e.code() == Errc::not_found)
            return std::nullopt;
        throw;
    }
    return parse_device_state(text, path);
}

void remove_device_state(const std::string& dir, const std::string& name)
{
    const std::string path = dir + "/" + name + ".json";
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        throw_errno(Errc::io, "remove " + path, errno);
}

}  // namespace pkeydm
