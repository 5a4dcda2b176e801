#include "pkeydm/device/device_backend.hpp"

#include "pkeydm/error.hpp"
#include "pkeydm/device/paes_table.hpp"
#include "pkeydm/config/recovery_record.hpp"
#include "pkeydm/device/signature.hpp"
#include "pkeydm/key/repository.hpp"
#include "pkeydm/device/swap.hpp"

namespace pkeydm {

bool SystemBackend::dm_exists(const std::string& name)
{
    return dm_device_info(name).exists;
}

void SystemBackend::dm_create(const std::string& name, const std::string& uuid, const DmTarget& table)
{
    pkeydm::dm_create(name, uuid, {table}, true);
}

void SystemBackend::dm_remove(const std::string& name)
{
    pkeydm::dm_remove(name);
}

void SystemBackend::key_store(const std::string& description, const SecureBuffer& token)
{
    key_.reset();
    key_.emplace(description, token.span());
}

void SystemBackend::key_unlink(const std::string& description)
{
    key_.reset();
    logon_key_unlink(description);
}

void SystemBackend::state_save(const std::string& dir, const DeviceState& s, std::span<const std::uint8_t> material)
{
    save_device_state(dir, s);
    save_recovery_record(s, material);
}

void SystemBackend::state_remove(const std::string& dir, const std::string& name)
{
    remove_recovery_record(name);
    remove_device_state(dir, name);
}

std::string SystemBackend::dm_table_vp(const std::string& name)
{
    const auto t = pkeydm::dm_table(name);
    if (t.size() != 1 || t[0].type != paes_target)
        throw Error(Errc::devmapper, "'" + name + "' does not have a single paes target after its create");
    return parse_paes_params(t[0].start, t[0].length, t[0].params).vp;
}

void SystemBackend::key_record_vp(const std::string& dir, const std::string& key, const std::string& vp)
{
    Repository(dir).record_verification_pattern(key, vp);
}

std::optional<std::string> SystemBackend::signature(const std::string& path)
{
    return block_signature(path);
}

void SystemBackend::make_swap(const std::string& path)
{
    pkeydm::make_swap(path);
}

void SystemBackend::swap_on(const std::string& path, const SwapOptions& o)
{
    pkeydm::swap_on(path, o);
}

}  // namespace pkeydm
