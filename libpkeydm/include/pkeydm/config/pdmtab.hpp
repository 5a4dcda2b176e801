// /etc/pdm/pdmtab: one device per line, crypttab-like.
//
//   # name   device                      keysource          options
//   swap0    /dev/vdb                    ephemeral          swap
//   data     UUID=4f1c...                secure:datakey     sector-size=4096,discard
//   test     PARTUUID=0a1b...            clear:/etc/pdm/k   xts-128,key-timeout=5000
//
// name      [A-Za-z0-9_.+-], 1..64 chars (becomes the dm name and keyring
//           description pdm:<name>)
// device    absolute path | UUID=<uuid> | PARTUUID=<uuid> | LABEL=<label> |
//           PARTLABEL=<label>
// keysource ephemeral | secure:<repository key name> | clear:<absolute key file> |
//           random-secure[:cca-aesdata|cca-aescipher|ep11] (a new random secure
//           key per create, kept only in kernel memory; default cca-aesdata)
// options   comma-separated; "-" or absent for none:
//           swap, sector-size=512|1024|2048|4096, discard, iv-large-sectors,
//           key-timeout=<ms> (0..3600000; 0 waits forever),
//           on-key-loss=replace|error, xts-128, xts-256, pri=<0..32767>
//           (swap priority, as in fstab); discard also discards freed swap
//           clusters when pdm enables swap;
//           for boot (pdm-generator, docs/boot.md): nofail, noauto,
//           x-systemd.device-timeout=<time span>; any other x-systemd.*
//           option is accepted and ignored, as crypttab users expect
// '#' starts a comment at the start of a field; blank lines are ignored.
// Every error names file:line and the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pkeydm {

inline constexpr const char* default_pdmtab = "/etc/pdm/pdmtab";

// Values index the dm UUID kinds (device_state.cpp): append, never reorder.
enum class KeySourceKind { ephemeral, secure, clear, random_secure };

struct KeySource {
    KeySourceKind kind = KeySourceKind::ephemeral;
    // repository key name, key file path, or random-secure's key type name
    // (always spelt out: "random-secure" alone parses to "cca-aesdata")
    std::string arg;
};

// `where` prefixes errors ("pdmtab:3: keysource").
KeySource parse_key_source(std::string_view s, std::string_view where);
std::string format_key_source(const KeySource& k);
std::string_view key_source_kind_name(KeySourceKind k) noexcept;

enum class OnKeyLoss { replace, error };
std::string_view on_key_loss_name(OnKeyLoss o) noexcept;

// Parked I/O waiting longer than an hour for a key helps nobody; a larger
// number is a mistake (or "-1" read as 2^32-1), and 0 already means forever.
inline constexpr std::uint32_t max_key_timeout_ms = 3600000;
inline constexpr int max_swap_priority = 32767;  // swapon(2): SWAP_FLAG_PRIO_MASK

struct DeviceOptions {
    bool swap = false;
    unsigned sector_size = 4096;
    bool discard = false;
    bool iv_large_sectors = false;
    std::optional<std::uint32_t> key_timeout_ms;
    OnKeyLoss on_key_loss = OnKeyLoss::replace;
    unsigned xts_bits = 256;
    std::optional<int> swap_priority;  // pri=N: swapon with SWAP_FLAG_PREFER
    // Boot only: how the generated unit hooks into the boot (docs/boot.md).
    bool nofail = false;  // wanted, not required, by its target
    bool noauto = false;  // not started at boot, nor by pdm create --all
    // x-systemd.device-timeout=: how long the boot waits for the backing
    // device; 0 waits forever.  Unset: the manager's default (90 s).
    std::optional<std::uint64_t> device_timeout_ms;
    std::vector<std::string> ignored;  // x-systemd.* options pdm has no use for
};

// A systemd time span ("90", "90s", "1min30s", "500ms", "infinity") in ms;
// infinity is 0.  `where` prefixes errors.
std::uint64_t parse_time_span_ms(std::string_view s, std::string_view where);

// Parses "swap,sector-size=4096,..." into `opts` (on top of what is there).
void parse_device_options(std::string_view s, DeviceOptions& opts, std::string_view where);

struct PdmtabEntry {
    std::string name;
    std::string device;  // as written (path or TAG=value)
    KeySource source;
    DeviceOptions options;
    std::string file;
    unsigned line = 0;
};

bool valid_device_name(std::string_view name) noexcept;
void check_device_name(std::string_view name, std::string_view where);

// Throws Error(config) naming file:line at the first bad line.
std::vector<PdmtabEntry> parse_pdmtab(std::string_view text, std::string_view filename);
// Missing file: empty list.  Unreadable: Error(config).
std::vector<PdmtabEntry> load_pdmtab(const std::string& path);

// Every good line, and one message (file:line: ...) per bad line, which is
// skipped: what boot wants, where one typo must not cost every device.
struct PdmtabParse {
    std::vector<PdmtabEntry> entries;
    std::vector<std::string> errors;
};
PdmtabParse parse_pdmtab_lines(std::string_view text, std::string_view filename);
// As load_pdmtab, with bad lines skipped and reported.
PdmtabParse load_pdmtab_lines(const std::string& path);
std::optional<PdmtabEntry> find_pdmtab_entry(const std::vector<PdmtabEntry>& tab, std::string_view name);

// An absolute path, or UUID=, PARTUUID=, LABEL=, PARTLABEL= with a value.
bool valid_device_spec(std::string_view spec) noexcept;

// The device node a spec names: an absolute path as it is (it must exist), a
// TAG=value through libblkid's tag evaluation (udev's /dev/disk links where
// they exist, else a scan of the block devices), so a value is matched, never
// used as a path.  Throws Error(not_found) when nothing matches.
// (resolve_device.cpp: not in the fuzzed parsers, which need no libblkid.)
std::string resolve_device(std::string_view spec);

}  // namespace pkeydm
