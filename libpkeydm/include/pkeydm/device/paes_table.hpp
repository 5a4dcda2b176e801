// The `paes` target's table line:
//   <start> <len> paes paes-xts-plain64 <key> <iv_offset> <dev> <offset> [<#opt> <opt>...]
// key: hex token, ":<bytes>:logon:<desc>" or "-".
// opts: sector_size:<n>, iv_large_sectors, allow_discards, key_timeout:<ms>,
//       vp:<32 hex> (the key's verification pattern: the target refuses a key
//       with another one; docs/target.md).
//
// The builder only writes keyring references or "-": pdm never puts hex key
// material into a table.  The parser accepts hex (validating it) but keeps
// only its length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkeydm/device/dm.hpp"

namespace pkeydm {

inline constexpr std::string_view paes_target = "paes";
inline constexpr std::string_view paes_cipher = "paes-xts-plain64";

struct TableKey {
    enum class Kind { none, keyring, hex } kind = Kind::none;
    std::size_t bytes = 0;     // keyring: declared size; hex: decoded size
    std::string key_type;      // keyring: "logon"
    std::string description;   // keyring: e.g. "pdm:swap0"
};

TableKey parse_table_key(std::string_view field);
std::string format_table_key(const TableKey& key);  // throws for hex

struct PaesTable {
    std::uint64_t start = 0;
    std::uint64_t length = 0;  // 512-byte sectors
    std::string cipher{paes_cipher};
    TableKey key;
    std::uint64_t iv_offset = 0;
    std::string device;
    std::uint64_t offset = 0;
    unsigned sector_size = 512;
    bool iv_large_sectors = false;
    bool allow_discards = false;
    std::optional<std::uint32_t> key_timeout_ms;
    std::string vp;                          // 32 lower-case hex digits, or empty
    std::vector<std::string> other_options;  // unknown to us, kept verbatim
};

inline constexpr std::size_t paes_vp_hex_digits = 32;  // PAES_VP_SIZE (16 bytes)
// The verification pattern in lower case; throws Errc::config naming `what`
// unless `hex` is 32 hex digits.
std::string normalize_vp(std::string_view hex, std::string_view what);

// Target parameters only (what follows "paes").
std::string format_paes_params(const PaesTable& t);
PaesTable parse_paes_params(std::uint64_t start, std::uint64_t length, std::string_view params);
// A whole line as dmsetup prints it.
std::string format_paes_line(const PaesTable& t);
PaesTable parse_paes_line(std::string_view line);

DmTarget to_dm_target(const PaesTable& t);

// Splits on runs of blanks.
std::vector<std::string_view> split_ws(std::string_view s);
// Strict unsigned decimal; `what` names the field in the error.
std::uint64_t parse_u64(std::string_view s, std::string_view what);

}  // namespace pkeydm
