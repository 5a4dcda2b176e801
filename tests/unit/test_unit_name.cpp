#define BOOST_TEST_MODULE unit_name
#include <boost/test/unit_test.hpp>

#include "pkeydm/error.hpp"
#include "unit_name.hpp"

using namespace pdmgen;

// Expected values are what systemd-escape (and systemd-escape --path) print.
BOOST_AUTO_TEST_CASE(escape_string)
{
    BOOST_TEST(unit_name_escape("swap0") == "swap0");
    BOOST_TEST(unit_name_escape("my-data") == "my\\x2ddata");
    BOOST_TEST(unit_name_escape("a+b_c.d:e") == "a\\x2bb_c.d:e");
    BOOST_TEST(unit_name_escape(".hidden") == "\\x2ehidden");
    BOOST_TEST(unit_name_escape("a.b.") == "a.b.");
    BOOST_TEST(unit_name_escape("a b\\c") == "a\\x20b\\x5cc");
    BOOST_TEST(unit_name_escape("a/b") == "a-b");
    BOOST_TEST(unit_name_escape("\xc3\xa4") == "\\xc3\\xa4");
    BOOST_TEST(unit_name_escape("%") == "\\x25");
}

BOOST_AUTO_TEST_CASE(escape_path)
{
    BOOST_TEST(unit_name_path_escape("/dev/vdb") == "dev-vdb");
    BOOST_TEST(unit_name_path_escape("//dev//vdb/") == "dev-vdb");
    BOOST_TEST(unit_name_path_escape("/dev/./vdb") == "dev-vdb");
    BOOST_TEST(unit_name_path_escape("/") == "-");
    BOOST_TEST(unit_name_path_escape("///") == "-");
    BOOST_TEST(unit_name_path_escape("/dev/disk/by-uuid/4f1c-aa") == "dev-disk-by\\x2duuid-4f1c\\x2daa");
    BOOST_TEST(unit_name_path_escape("/.x/y") == "\\x2ex-y");
    BOOST_TEST(unit_name_path_escape("/dev/.x") == "dev-.x");
    BOOST_TEST(unit_name_path_escape("/dev/disk/by-label/my\\x20disk") == "dev-disk-by\\x2dlabel-my\\x5cx20disk");
    BOOST_CHECK_THROW(unit_name_path_escape("/dev/../etc"), pkeydm::Error);
    BOOST_CHECK_THROW(unit_name_path_escape("dev/vdb"), pkeydm::Error);
    BOOST_CHECK_THROW(unit_name_path_escape(""), pkeydm::Error);
}

BOOST_AUTO_TEST_CASE(names_from_paths)
{
    BOOST_TEST(unit_name_from_path("/dev/mapper/swap0", ".swap") == "dev-mapper-swap0.swap");
    BOOST_TEST(unit_name_from_path("/dev/vdb", ".device") == "dev-vdb.device");
    // 255 characters is the most systemd accepts.
    const std::string ok = "/" + std::string(248, 'a');
    BOOST_TEST(unit_name_from_path(ok, ".device").size() == 255u);
    BOOST_CHECK_THROW(unit_name_from_path(ok + "a", ".device"), pkeydm::Error);
}

BOOST_AUTO_TEST_CASE(udev_nodes)
{
    BOOST_TEST(udev_node("/dev/vdb") == "/dev/vdb");
    BOOST_TEST(udev_node("UUID=4f1c-aa") == "/dev/disk/by-uuid/4f1c-aa");
    BOOST_TEST(udev_node("PARTUUID=0a1b") == "/dev/disk/by-partuuid/0a1b");
    BOOST_TEST(udev_node("LABEL=my disk") == "/dev/disk/by-label/my\\x20disk");
    BOOST_TEST(udev_node("PARTLABEL=a#b+c=d@e:f") == "/dev/disk/by-partlabel/a#b+c=d@e:f");
    // Valid UTF-8 stays, as udev keeps it in link names; stray bytes do not.
    BOOST_TEST(udev_node("LABEL=d\xc3\xa4t") == "/dev/disk/by-label/d\xc3\xa4t");
    BOOST_TEST(udev_node("LABEL=d\xc3t") == "/dev/disk/by-label/d\\xc3t");
    BOOST_TEST(udev_node("LABEL=\xed\xa0\x80") == "/dev/disk/by-label/\\xed\\xa0\\x80");
    // A '/' in a value is encoded: the node stays inside /dev/disk/by-*/.
    BOOST_TEST(udev_node("UUID=../../sda") == "/dev/disk/by-uuid/..\\x2f..\\x2fsda");
    BOOST_TEST(unit_name_from_path(udev_node("UUID=../../sda"), ".device") ==
               "dev-disk-by\\x2duuid-..\\x5cx2f..\\x5cx2fsda.device");
    BOOST_CHECK_THROW(unit_name_from_path(udev_node("UUID=.."), ".device"), pkeydm::Error);
}
