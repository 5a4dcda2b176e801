#define BOOST_TEST_MODULE create_device
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <optional>
#include <thread>
#include <vector>

#include "pkeydm/device/device_backend.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/device/keyring.hpp"
#include "pkeydm/key/token.hpp"

using namespace pkeydm;
namespace fs = std::filesystem;

namespace {

// The system as create_device sees it: devices, keys, state files and swap,
// with failures to order.  Thread-safe, so that two creates can race on it.
class FakeBackend : public DeviceBackend {
public:
    std::mutex m;
    std::set<std::string> devices;
    std::map<std::string, std::string> keys;    // description -> owner tag
    std::map<std::string, std::string> states;  // name -> owner tag
    std::set<std::string> swaps;
    // Written into keys and states, to tell creators apart: each thread is
    // one creator, and a creator writes its state twice (the pattern).
    static inline thread_local std::string tag = "first";
    bool fail_dm_create = false, fail_dm_remove = false, fail_mkswap = false, fail_swapon = false;
    bool other_creates_on_dm_create = false;  // dmsetup wins the race: EEXIST
    std::chrono::milliseconds create_delay{0};
    std::atomic<int> key_stores{0};
    SwapOptions last_swap;
    std::map<std::string, std::string> tables;  // name -> params as loaded
    std::map<std::string, std::string> vps;     // name -> pattern in the state
    std::map<std::string, std::string> key_vps; // secure key -> recorded pattern
    std::string target_vp = "00112233445566778899aabbccddeeff";  // of the key
    bool fail_key_record = false;
    std::map<std::string, std::string> signatures;  // path -> what blkid finds
    std::vector<std::string> mkswapped;

    bool dm_exists(const std::string& name) override
    {
        const std::lock_guard l(m);
        return devices.count(name) > 0;
    }
    void dm_create(const std::string& name, const std::string&, const DmTarget& t) override
    {
        BOOST_TEST(t.type == "paes");
        std::this_thread::sleep_for(create_delay);
        const std::lock_guard l(m);
        if (other_creates_on_dm_create) {
            devices.insert(name);
            throw Error(Errc::devmapper, "device-mapper create of '" + name + "' failed: File exists", EEXIST);
        }
        if (fail_dm_create)
            throw Error(Errc::devmapper, "device-mapper create of '" + name + "' failed: Invalid argument", EINVAL);
        if (devices.count(name))
            throw Error(Errc::devmapper, "device-mapper create of '" + name + "' failed: File exists", EEXIST);
        // The target refuses a key whose pattern is not the table's vp:.
        const auto vp = t.params.find(" vp:");
        if (vp != std::string::npos && t.params.substr(vp + 4) != target_vp)
            throw Error(Errc::devmapper, "device-mapper create of '" + name + "' failed: Invalid argument", EINVAL);
        devices.insert(name);
        tables[name] = t.params;
    }
    void dm_remove(const std::string& name) override
    {
        const std::lock_guard l(m);
        if (fail_dm_remove)
            throw Error(Errc::devmapper, "device-mapper remove of '" + name + "' failed: Device or resource busy",
                        EBUSY);
        if (!devices.erase(name))
            throw Error(Errc::not_found, "device-mapper device '" + name + "' does not exist", ENXIO);
    }
    void key_store(const std::string& desc, const SecureBuffer&) override
    {
        ++key_stores;
        const std::lock_guard l(m);
        keys[desc] = tag;
    }
    void key_unlink(const std::string& desc) override
    {
        const std::lock_guard l(m);
        keys.erase(desc);
    }
    void state_save(const std::string&, const DeviceState& s, std::span<const std::uint8_t>) override
    {
        const std::lock_guard l(m);
        states[s.name] = tag;
        vps[s.name] = s.vp;
    }
    void state_remove(const std::string&, const std::string& name) override
    {
        const std::lock_guard l(m);
        states.erase(name);
    }
    std::optional<std::string> signature(const std::string& path) override
    {
        const std::lock_guard l(m);
        const auto it = signatures.find(path);
        return it == signatures.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    void make_swap(const std::string& path) override
    {
        if (fail_mkswap)
            throw Error(Errc::io, "mkswap failed (exit 1) for " + path);
        const std::lock_guard l(m);
        mkswapped.push_back(path);
    }
    void swap_on(const std::string& path, const SwapOptions& o) override
    {
        last_swap = o;
        if (fail_swapon)
            throw Error(Errc::io, "swapon " + path + ": Invalid argument", EINVAL);
        const std::lock_guard l(m);
        swaps.insert(path);
    }
    std::string dm_table_vp(const std::string& name) override
    {
        const std::lock_guard l(m);
        return devices.count(name) ? target_vp : std::string();
    }
    void key_record_vp(const std::string&, const std::string& key, const std::string& vp) override
    {
        if (fail_key_record)
            throw Error(Errc::io, "write /etc/pdm/keys/" + key + ".info: Read-only file system", EROFS);
        const std::lock_guard l(m);
        key_vps.emplace(key, vp);
    }
};

struct Fixture {
    fs::path dir = fs::temp_directory_path() / ("pdm-unit-create-" + std::to_string(::getpid()));
    ManagerConfig cfg;
    DeviceState s;
    SecureBuffer token = SecureBuffer(xts_pair_token_size);
    CreateOptions co;

    Fixture()
    {
        fs::remove_all(dir);
        cfg.state_dir = (dir / "run").string();
        s.name = "swap0";
        s.device = "/dev/vdb";
        s.options.swap = true;
        co.swapon = true;
    }
    ~Fixture() { fs::remove_all(dir); }

    void create(FakeBackend& b) { create_device_with(b, cfg, s, 1 << 20, token, {}, co); }
};

bool has_key(FakeBackend& b, const std::string& name)
{
    return b.keys.count(key_description(name)) > 0;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(success_leaves_device_key_state_and_swap, Fixture)
{
    FakeBackend b;
    create(b);
    BOOST_TEST(b.devices.count("swap0") == 1u);
    BOOST_TEST(has_key(b, "swap0"));
    BOOST_TEST(b.states.count("swap0") == 1u);
    BOOST_TEST(b.swaps.count("/dev/mapper/swap0") == 1u);
    BOOST_TEST(!b.last_swap.discard);
    BOOST_TEST(!b.last_swap.priority.has_value());
    // The lock went with the call: the next create of the name is refused
    // for the device, not blocked.
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) { return e.code() == Errc::usage; });
}

BOOST_FIXTURE_TEST_CASE(pattern_recorded_in_state_and_repository, Fixture)
{
    FakeBackend b;
    s.source = {KeySourceKind::secure, "k1"};
    create(b);
    BOOST_TEST(b.tables["swap0"].find(" vp:") == std::string::npos);  // none known before
    BOOST_TEST(b.vps["swap0"] == b.target_vp);
    BOOST_TEST(b.key_vps["k1"] == b.target_vp);

    // An ephemeral key's pattern goes to the state only.
    FakeBackend e;
    s.source = {KeySourceKind::ephemeral, ""};
    create(e);
    BOOST_TEST(e.vps["swap0"] == e.target_vp);
    BOOST_TEST(e.key_vps.empty());
}

BOOST_FIXTURE_TEST_CASE(known_pattern_goes_into_the_table, Fixture)
{
    FakeBackend b;
    s.source = {KeySourceKind::secure, "k1"};
    s.vp = b.target_vp;
    create(b);
    BOOST_TEST(b.tables["swap0"].ends_with(" vp:" + b.target_vp));
}

// A .skey that is not the key its recorded pattern belongs to: the kernel
// refuses the table; pdm says so as a verification failure and undoes all.
BOOST_FIXTURE_TEST_CASE(pattern_of_another_key_is_a_verification_failure, Fixture)
{
    FakeBackend b;
    s.source = {KeySourceKind::secure, "k1"};
    s.vp = std::string(32, 'f');
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
        const std::string w = e.what();
        return e.code() == Errc::verify && w.find("secure:k1") != std::string::npos &&
               w.find(std::string(32, 'f')) != std::string::npos;
    });
    BOOST_TEST(b.devices.empty());
    BOOST_TEST(b.keys.empty());
    BOOST_TEST(b.states.empty());
}

// The device works without the pattern in the repository: a warning only.
BOOST_FIXTURE_TEST_CASE(unwritable_repository_does_not_fail_the_create, Fixture)
{
    FakeBackend b;
    b.fail_key_record = true;
    s.source = {KeySourceKind::secure, "k1"};
    create(b);
    BOOST_TEST(b.devices.count("swap0") == 1u);
    BOOST_TEST(b.vps["swap0"] == b.target_vp);
}

BOOST_FIXTURE_TEST_CASE(swapon_gets_discard_and_priority_from_the_options, Fixture)
{
    FakeBackend b;
    s.options.discard = true;
    s.options.swap_priority = 7;
    create(b);
    BOOST_TEST(b.last_swap.discard);
    BOOST_TEST(b.last_swap.priority.value() == 7);
}

BOOST_FIXTURE_TEST_CASE(failed_swapon_undoes_everything, Fixture)
{
    FakeBackend b;
    b.fail_swapon = true;
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
        return e.code() == Errc::io && std::string(e.what()).find("rollback") == std::string::npos;
    });
    BOOST_TEST(b.devices.empty());
    BOOST_TEST(b.keys.empty());
    BOOST_TEST(b.states.empty());
}

BOOST_FIXTURE_TEST_CASE(failed_table_load_undoes_key_and_state, Fixture)
{
    FakeBackend b;
    b.fail_dm_create = true;
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) { return e.code() == Errc::devmapper; });
    BOOST_TEST(b.devices.empty());
    BOOST_TEST(b.keys.empty());
    BOOST_TEST(b.states.empty());
}

// The review's first case: dm_remove fails during the rollback, the device
// lives on, so its key and state must too.
BOOST_FIXTURE_TEST_CASE(failed_remove_keeps_the_live_devices_key_and_state, Fixture)
{
    FakeBackend b;
    b.fail_mkswap = true;
    b.fail_dm_remove = true;
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
        const std::string w = e.what();
        return e.code() == Errc::io && w.find("mkswap failed") != std::string::npos &&
               w.find("could not remove /dev/mapper/swap0") != std::string::npos &&
               w.find("kept its keyring key pdm:swap0") != std::string::npos;
    });
    BOOST_TEST(b.devices.count("swap0") == 1u);
    BOOST_TEST(has_key(b, "swap0"));
    BOOST_TEST(b.states.count("swap0") == 1u);
}

// Someone outside pdm (dmsetup) creates the name between the check and the
// create: that device is not ours to remove, and it keeps key and state.
BOOST_FIXTURE_TEST_CASE(device_made_by_someone_else_is_left_alone, Fixture)
{
    FakeBackend b;
    b.other_creates_on_dm_create = true;
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
        return e.sys_errno() == EEXIST && std::string(e.what()).find("made by someone else") != std::string::npos;
    });
    BOOST_TEST(b.devices.count("swap0") == 1u);
    BOOST_TEST(has_key(b, "swap0"));
}

// The review's second case: two creates of one name at once.  The loser must
// wait for the winner and then be refused, touching nothing of the winner's.
BOOST_FIXTURE_TEST_CASE(concurrent_create_loser_leaves_the_winners_key_and_state, Fixture)
{
    FakeBackend b;
    b.create_delay = std::chrono::milliseconds(300);
    std::atomic<bool> first_ok{false};
    std::thread winner([&] {
        create(b);
        first_ok = true;
    });
    // Let the winner take the lock and get into dm_create.
    while (b.key_stores.load() == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    FakeBackend::tag = "second";  // this thread is the loser
    BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
        return e.code() == Errc::usage && std::string(e.what()).find("already exists") != std::string::npos;
    });
    winner.join();
    BOOST_TEST(first_ok.load());
    BOOST_TEST(b.key_stores.load() == 1);
    BOOST_TEST(b.devices.count("swap0") == 1u);
    BOOST_TEST(b.keys[key_description("swap0")] == "first");
    BOOST_TEST(b.states["swap0"] == "first");
    FakeBackend::tag = "first";
}

// remove_device takes the same lock: it cannot run while a create of the name
// holds it.
BOOST_FIXTURE_TEST_CASE(the_name_lock_excludes_other_holders, Fixture)
{
    std::atomic<bool> second_got_it{false};
    std::thread other;
    {
        const auto held = lock_device_name(cfg.state_dir, "swap0");
        other = std::thread([&] {
            const auto mine = lock_device_name(cfg.state_dir, "swap0");
            second_got_it = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        BOOST_TEST(!second_got_it.load());
    }
    other.join();
    BOOST_TEST(second_got_it.load());
}

BOOST_FIXTURE_TEST_CASE(mkswap_never_destroys_a_signature, Fixture)
{
    {
        // A file system on the backing device: refused before anything is made.
        FakeBackend b;
        b.signatures["/dev/vdb"] = "ext4";
        BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
            const std::string w = e.what();
            return e.code() == Errc::usage && w.find("backing device /dev/vdb carries a ext4 signature") !=
                                                      std::string::npos;
        });
        BOOST_TEST(b.key_stores == 0);
        BOOST_TEST(b.devices.empty());
        BOOST_TEST(b.mkswapped.empty());
    }
    {
        // A file system inside the new device (a persistent key): refused,
        // and everything made is undone.
        FakeBackend b;
        b.signatures["/dev/mapper/swap0"] = "xfs";
        BOOST_CHECK_EXCEPTION(create(b), Error, [](const Error& e) {
            return std::string(e.what()).find("the new device /dev/mapper/swap0 carries a xfs signature") !=
                   std::string::npos;
        });
        BOOST_TEST(b.devices.empty());
        BOOST_TEST(!has_key(b, "swap0"));
        BOOST_TEST(b.states.empty());
        BOOST_TEST(b.mkswapped.empty());
    }
    {
        // An old swap area on either is fair game.
        FakeBackend b;
        b.signatures["/dev/vdb"] = "swap";
        b.signatures["/dev/mapper/swap0"] = "swap";
        create(b);
        BOOST_TEST(b.mkswapped.size() == 1u);
        BOOST_TEST(b.swaps.count("/dev/mapper/swap0") == 1u);
    }
    {
        // --no-mkswap writes nothing, so nothing is checked.
        FakeBackend b;
        b.signatures["/dev/vdb"] = "ext4";
        co.mkswap = false;
        co.swapon = false;
        create(b);
        BOOST_TEST(b.mkswapped.empty());
        BOOST_TEST(b.devices.count("swap0") == 1u);
    }
}
