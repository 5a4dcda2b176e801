// The structured fields of one pdmd log line, for the journal: every line
// starts with its event tag (PDM_KEY_STALE, ...) and names its device as
// dev=NAME, so both are read back from the text here instead of being
// threaded through every call of log().  Device names cannot hold a space or
// a ':' (pkeydm::valid_device_name), so the first of those ends the name.
#pragma once

#include <span>
#include <string_view>

namespace pdmd {

struct JournalFields {
    std::string_view event;       // PDM_EVENT=: the tag, empty if none
    std::string_view device;      // PDM_DEVICE=: empty if the line names none
    std::string_view message_id;  // MESSAGE_ID=: empty for an unknown tag
};

JournalFields journal_fields(std::string_view message) noexcept;

struct EventId {
    std::string_view event;
    std::string_view message_id;  // 128 bits, 32 lower-case hex digits
};
// Every tag pdmd logs and its fixed MESSAGE_ID (listed in docs/man/pdmd.8).
std::span<const EventId> event_ids() noexcept;

}  // namespace pdmd
