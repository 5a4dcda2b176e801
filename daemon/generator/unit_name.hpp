// systemd's unit-name escaping (systemd.unit(5), "String Escaping for
// Inclusion in Unit Names"), as systemd-escape and systemd-escape --path do
// it, and the udev node a pdmtab TAG=value names.  The generator must name
// the very .device unit systemd makes for a device, so these follow
// systemd's rules byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace pdmgen {

// systemd-escape STRING: '/' becomes '-'; a leading '.' and every byte other
// than [A-Za-z0-9:_.] becomes \xNN (lower-case hex).
std::string unit_name_escape(std::string_view s);

// systemd-escape --path PATH: the path is simplified (repeated and trailing
// '/', "." components dropped), "/" alone is "-", the leading '/' is dropped
// and the rest escaped.  A ".." component or a relative path throws
// pkeydm::Error(config): systemd refuses to name a unit after either.
std::string unit_name_path_escape(std::string_view path);

// unit_name_path_escape(path) + suffix (".device", ".swap"); throws
// pkeydm::Error(config) when the name would be longer than systemd's 255.
std::string unit_name_from_path(std::string_view path, std::string_view suffix);

// The node udev makes for a pdmtab device spec: an absolute path as it is,
// UUID=v as /dev/disk/by-uuid/<v encoded>, likewise PARTUUID=, LABEL=,
// PARTLABEL=.  The value is encoded as udev encodes link names (bytes other
// than [A-Za-z0-9#+-.:=@_] and valid UTF-8 become \xNN), so a value with a
// '/' can never reach outside /dev/disk/by-*/.
std::string udev_node(std::string_view spec);

}  // namespace pdmgen
