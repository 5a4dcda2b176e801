#define BOOST_TEST_MODULE key_validation
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "pkeydm/key/key_validation.hpp"

using namespace pkeydm;

BOOST_AUTO_TEST_CASE(master_key_state_names)
{
    BOOST_TEST(master_key_state_name(MasterKeyState::current) == "current");
    BOOST_TEST(master_key_state_name(MasterKeyState::old) == "old");
    BOOST_TEST(master_key_state_name(MasterKeyState::unusable) == "unusable");
}

BOOST_AUTO_TEST_CASE(json_shape)
{
    std::vector<KeyValidation> keys(3);
    keys[0] = {"a", "cca-aesdata", 256, "0011223344556677", MasterKeyState::current, ""};
    keys[1] = {"b", "ep11", 128, "000102030405060708090a0b0c0d0e0f", MasterKeyState::old, ""};
    keys[2] = {"c", "", 0, "", std::nullopt, "secure key 'c' is not trusted: x"};
    const auto j = nlohmann::json::parse(format_validation_json(keys));
    BOOST_TEST(j.at("keys").size() == 3u);
    const auto& a = j["keys"][0];
    BOOST_TEST(a.at("name") == "a");
    BOOST_TEST(a.at("type") == "cca-aesdata");
    BOOST_TEST(a.at("bits") == 256);
    BOOST_TEST(a.at("mkvp") == "0011223344556677");
    BOOST_TEST(a.at("state") == "current");
    BOOST_TEST(a.at("hint").is_null());
    BOOST_TEST(a.at("error").is_null());
    BOOST_TEST(j["keys"][1].at("state") == "old");
    BOOST_TEST(j["keys"][1].at("hint").get<std::string>().find("re-encipher") != std::string::npos);
    const auto& c = j["keys"][2];
    BOOST_TEST(c.at("state").is_null());
    BOOST_TEST(c.at("type").is_null());
    BOOST_TEST(c.at("bits").is_null());
    BOOST_TEST(c.at("error") == "secure key 'c' is not trusted: x");
}

BOOST_AUTO_TEST_CASE(exit_status)
{
    std::vector<KeyValidation> keys(1);
    keys[0].state = MasterKeyState::current;
    BOOST_TEST(!validation_failed(keys));
    keys[0].state = MasterKeyState::old;
    BOOST_TEST(!validation_failed(keys));
    keys[0].state = MasterKeyState::unusable;
    BOOST_TEST(validation_failed(keys));
    keys[0].state.reset();
    BOOST_TEST(validation_failed(keys));
    BOOST_TEST(!validation_failed({}));
}
