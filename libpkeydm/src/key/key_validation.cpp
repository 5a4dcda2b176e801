#include "pkeydm/key/key_validation.hpp"

#include <nlohmann/json.hpp>

#include "pkeydm/error.hpp"
#include "pkeydm/key/pkey_device.hpp"
#include "pkeydm/key/secure_material.hpp"

namespace pkeydm {

KeyValidation validate_key(const Repository& repo, const std::string& name, PkeyDevice& dev)
{
    KeyValidation v;
    v.name = name;
    try {
        const auto k = repo.load_trusted(name);
        v.type = secure_key_type_name(k.info.secure_key_type);
        v.bits = k.info.keytype == KeyType::aes_xts_128 ? 128 : k.info.keytype == KeyType::aes_xts_256 ? 256 : 0;
        v.mkvp = k.info.mkvp.empty() ? inspect_secure_key(k.skey.span()).mkvp : k.info.mkvp;
        v.state = secure_master_key_state(k.skey.span(), "secure key '" + name + "'", dev);
        if (*v.state == MasterKeyState::unusable)
            v.error = "no online crypto card holds the master key this key is enciphered under";
    } catch (const std::exception& e) {
        v.error = e.what();
    }
    return v;
}

std::string validation_hint(const KeyValidation& v)
{
    if (!v.state)
        return {};
    switch (*v.state) {
    case MasterKeyState::current: return {};
    case MasterKeyState::old:
        return "enciphered under the card's OLD master key: re-encipher it under the CURRENT one before the "
               "master key changes again, or it becomes unusable";
    case MasterKeyState::unusable:
        return "no online card can convert it: bring the card that holds its master key (MKVP " + v.mkvp +
               ") online (lszcrypt), or load that master key into a card";
    }
    return {};
}

std::string format_validation_json(const std::vector<KeyValidation>& keys)
{
    auto list = nlohmann::json::array();
    for (const auto& v : keys) {
        nlohmann::json j;
        j["name"] = v.name;
        j["type"] = v.type.empty() ? nlohmann::json() : nlohmann::json(v.type);
        j["bits"] = v.bits ? nlohmann::json(v.bits) : nlohmann::json();
        j["mkvp"] = v.mkvp.empty() ? nlohmann::json() : nlohmann::json(v.mkvp);
        j["state"] = v.state ? nlohmann::json(std::string(master_key_state_name(*v.state))) : nlohmann::json();
        j["hint"] = validation_hint(v).empty() ? nlohmann::json() : nlohmann::json(validation_hint(v));
        j["error"] = v.error.empty() ? nlohmann::json() : nlohmann::json(v.error);
        list.push_back(std::move(j));
    }
    return nlohmann::json{{"keys", std::move(list)}}.dump(2);
}

bool validation_failed(const std::vector<KeyValidation>& keys) noexcept
{
    for (const auto& v : keys)
        if (!v.state || *v.state == MasterKeyState::unusable)
            return true;
    return false;
}

}  // namespace pkeydm
