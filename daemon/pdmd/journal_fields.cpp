#include "journal_fields.hpp"

namespace pdmd {

namespace {

// Made once with a random generator; never change one, journalctl
// MESSAGE_ID= queries and catalogs depend on them.
constexpr EventId ids[] = {
    {"PDM_DAEMON_START", "07318b59340f406eafbec058fde0bd64"},
    {"PDM_DAEMON_STOP", "a928fda3d5af4923beea843250db984e"},
    {"PDM_DAEMON_RELOAD", "913b03a6ecc94eb8a1e15da8fcff92be"},
    {"PDM_DAEMON_WARN", "9cac558343b94d86978b79ba10d9e74a"},
    {"PDM_DAEMON_FAILED", "f70cfa36600f418dac17826c8056b3d4"},
    {"PDM_DEVICE_WATCH", "ed52cb8f8a8149c382f5b277872255eb"},
    {"PDM_DEVICE_GONE", "4473a598f9ba4798a96f478972e62fdf"},
    {"PDM_KEY_SOURCE_READY", "5de20d10d581431fbb570f915b48ff63"},
    {"PDM_KEY_SOURCE_FAILED", "f9630df844a8463790458fa383cda1e8"},
    {"PDM_RECORD_IGNORED", "a0cb8a1339744f90b0a6ca497008db8a"},
    {"PDM_RECORD_SAVE_FAILED", "907632df94984613bac89af052955af8"},
    {"PDM_KEY_NONE", "57aa53777bce4040a741259d3c2df009"},
    {"PDM_KEY_STATE", "5fced5998451432daa8848945df72749"},
    {"PDM_KEY_REDERIVED", "240234ab33af4d11abb94ee5a8960999"},
    {"PDM_KEY_REPLACED", "f861a3891b0a40658941b28d184bdd4e"},
    {"PDM_KEY_LOST_LEFT", "43d6019c66e74d4bba8eef0e28e2dedc"},
    {"PDM_KEY_REGEN_FAILED", "2aac90c00bb34382a201370b1d2ec7a5"},
    {"PDM_MASTER_KEY", "c1e429e699444b539a00f937a300918a"},
    {"PDM_MASTER_KEY_CHECK_FAILED", "116689a6b9af4912997a9a8bb931cef0"},
    {"PDM_KEY_UNCONVERTIBLE", "3f1834ce00b44510a730411e8ca7bc85"},
    {"PDM_WORKER_ERROR", "6f3d31f7c1ec437991e34db3c9de1a44"},
    {"PDM_WORKER_FAILED", "95fb52491cef45988e0372278b5d2b0b"},
    {"PDM_WORKER_NOT_IO_FLUSHER", "7449b72e3bde4923bb969bc6debb5d3c"},
    {"PDM_SCAN_FAILED", "c539f96e8df24c4fbafcad493d89231c"},
    {"PDM_LOG_DROPPED", "2575e904d7e44ce0b434f7e981bf35c5"},
    {"PDM_DM_LOG", "269f528e749d487585d434cd66f2712b"},
};

}  // namespace

std::span<const EventId> event_ids() noexcept
{
    return ids;
}

JournalFields journal_fields(std::string_view message) noexcept
{
    JournalFields f;
    if (!message.starts_with("PDM_"))
        return f;
    f.event = message.substr(0, message.find_first_of(" :"));
    for (const auto& id : ids)
        if (id.event == f.event)
            f.message_id = id.message_id;
    // Only in the fields that follow the tag, as " dev=NAME".
    const auto dev = message.find(" dev=", f.event.size());
    if (dev != std::string_view::npos) {
        const auto start = dev + 5;
        const auto end = message.find_first_of(" :", start);
        f.device = message.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    }
    return f;
}

}  // namespace pdmd
