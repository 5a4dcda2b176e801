// What pdmd needs to put a key back into a device: its record, its status,
// the key's form, the keyring hand-off and the message.  Apart from
// manager.cpp, whose device lifecycle (remove, suspend, resume) needs
// libdevmapper: pdmd links none of that.
#include "pkeydm/manager.hpp"

#include <cerrno>
#include <optional>

#include "pkeydm/config/pdmtab.hpp"
#include "pkeydm/device/dm.hpp"
#include "pkeydm/device/keyring.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/key/ephemeral_key.hpp"

namespace pkeydm {

DeviceState device_state_for(const ManagerConfig& cfg, const std::string& name, const std::string& uuid)
{
    if (auto s = load_device_state(cfg.state_dir, name))
        return *s;
    const auto tab = load_pdmtab(cfg.pdmtab);
    if (auto e = find_pdmtab_entry(tab, name))
        return {e->name, e->device, e->source, e->options, {}};
    const auto kind = kind_from_uuid(uuid);
    if (kind == KeySourceKind::ephemeral) {
        DeviceState s;
        s.name = name;
        s.source.kind = KeySourceKind::ephemeral;
        // The loaded key's size tells the XTS size: 160 bytes either way for
        // a pair, so read the keytype the target reports when it has one.
        // Status keytype names (docs/target.md): xts-128/xts-256 for a
        // token pair, fxts-128/fxts-256 for a full-XTS token.
        if (const auto st = paes_status(name); st.get("keytype") == "xts-128" || st.get("keytype") == "fxts-128")
            s.options.xts_bits = 128;
        return s;
    }
    throw Error(Errc::not_found, "no record of how to derive the key of '" + name + "': no " + cfg.state_dir + "/" +
                                     name + ".json and no entry in " + cfg.pdmtab);
}

PaesStatus paes_status(const std::string& name)
{
    std::string uuid;
    return paes_status(name, uuid);
}

PaesStatus paes_status(const std::string& name, std::string& uuid)
{
    const auto st = dm_status(name, uuid);
    if (st.size() != 1 || st[0].type != paes_target)
        throw Error(Errc::usage, "'" + name + "' is not a single-target paes device");
    return parse_paes_status(st[0].params);
}

RekeyResult inject_key(const std::string& name, const SecureBuffer& token, RekeyMode mode,
                       std::optional<std::uint64_t> replacing_gen, const PaesStatus* before)
{
    RekeyResult r;
    r.before = before ? *before : paes_status(name);
    const auto desc = key_description(name);
    const LogonKeyLoad key(desc, token.span());
    std::string msg =
        std::string(mode == RekeyMode::set ? "key set " : "key replace ") + keyring_reference(token.size(), desc);
    std::string gen;
    if (mode == RekeyMode::replace) {
        // The target refuses the replace if a key was installed since this
        // generation: a replace that raced a key set makes nothing unreadable.
        const auto g = replacing_gen ? replacing_gen : r.before.number("gen");
        if (!g)
            throw Error(Errc::devmapper, "'" + name + "': status shows no key generation (gen=)");
        gen = std::to_string(*g);
        msg += " " + gen;
    }
    try {
        dm_message(name, 0, msg);
    } catch (const Error& e) {
        if (mode == RekeyMode::replace && e.sys_errno() == EBUSY)
            throw Error(Errc::verify,
                        std::string(e.what()) + ": the target refuses key replace while the key is valid, or when "
                                                "a key was set since generation " +
                            gen + " (see 'pdm status " + name + "')",
                        EBUSY);
        throw;
    }
    r.after = paes_status(name);
    return r;
}

void prepare_regeneration(LoadedKeySource& key, const KeyContext& ctx, const std::string& name)
{
    if (key.source.kind != KeySourceKind::ephemeral)
        return;
    std::optional<TokenForm> form;
    try {
        const auto kt = paes_status(name).get("keytype");
        if (kt && kt->starts_with("fxts-"))
            form = TokenForm::full_xts;
        else if (kt && kt->starts_with("xts-"))
            form = TokenForm::xts_pair;
    } catch (const Error&) {
        // No status yet (the device is being made): the best form, as pdm
        // create chooses it.
    }
    open_ephemeral_key(key, ctx, form);
}

}  // namespace pkeydm
