// keepalived's FILE_CHECK in a real_server: read from keepalived.conf (and
// refused with the line where keepalived 2.2.7 would drop it), written as
// YAML (`FILE_CHECK: {track_file, weight, reverse}`) that reads back to the
// same model, and the YAML front end's own errors.
#include <gtest/gtest.h>

#include <string>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"
#include "tests/conf/import_test_support.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

const std::string kFiles =
    "track_file load {\n file /run/lb/load\n weight 5\n}\n"
    "track_file drain {\n file /run/lb/drain\n weight 0\n}\n";

std::string vs(const std::string& body) {
  return kFiles + "virtual_server 10.0.0.100 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n" + body + "}\n";
}

TEST(KeepalivedFileCheck, IsImportedWithItsWeightAndReverse) {
  auto r = ka(vs(" real_server 10.0.1.1 80 {\n  weight 10\n  FILE_CHECK {\n   track_file load\n  }\n }\n"
                 " real_server 10.0.1.2 80 {\n  FILE_CHECK {\n   track_file load\n   weight 2 reverse\n  }\n"
                 "  TCP_CHECK {\n  }\n  FILE_CHECK {\n   track_file drain\n  }\n }\n"
                 " real_server 10.0.1.3 80 {\n  FILE_CHECK {\n   track_file load\n   weight 0\n  }\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& rs = r.config->virtual_servers[0].real_servers;
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].options->file_checks, (std::vector<TrackScript>{{.name = "load"}}));  // the file's weight 5
  EXPECT_TRUE(rs[0].checks.empty());
  EXPECT_EQ(rs[1].options->file_checks,
            (std::vector<TrackScript>{{.name = "load", .weight = 2, .reverse = true}, {.name = "drain"}}));
  EXPECT_EQ(rs[1].checks.size(), 1u);
  // keepalived 2.2.7 keeps an explicit weight 0 (measured: 1 takes the server out).
  EXPECT_EQ(rs[2].options->file_checks, (std::vector<TrackScript>{{.name = "load", .weight = 0}}));
  expect_round_trip(*r.config);
  const std::string yaml = to_yaml(*r.config);
  EXPECT_NE(yaml.find("FILE_CHECK:\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("track_file: drain"), std::string::npos) << yaml;
}

TEST(KeepalivedFileCheck, AnUnknownTrackFileIsRefusedAtItsLine) {
  auto r = ka(vs(" real_server 10.0.1.1 80 {\n  FILE_CHECK {\n   track_file nosuch\n  }\n }\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(where(r.errors), (Where{"15:15 virtual_servers[0].real_servers[0].FILE_CHECK.track_file"}))
      << messages(r);
  EXPECT_NE(messages(r).find("no track_file named 'nosuch'"), std::string::npos) << messages(r);
}

TEST(KeepalivedFileCheck, WithoutTrackFileOrWithABadWeightIsRefused) {
  auto r = ka(vs(" real_server 10.0.1.1 80 {\n  FILE_CHECK {\n   weight 2\n  }\n"
                 "  FILE_CHECK {\n   track_file load\n   weight 2 sideways\n  }\n"
                 "  FILE_CHECK {\n   track_file load\n   weight 2147483648\n  }\n }\n"));
  ASSERT_FALSE(r.ok());
  const std::string m = messages(r);
  EXPECT_NE(m.find("FILE_CHECK[0].track_file: FILE_CHECK without track_file"), std::string::npos) << m;
  EXPECT_NE(m.find("FILE_CHECK[1].reverse: 'sideways' is not valid here"), std::string::npos) << m;
  EXPECT_NE(m.find("FILE_CHECK[2].weight"), std::string::npos) << m;
}

TEST(KeepalivedFileCheck, KeepalivedsUnknownWordsAreWarnedAbout) {
  // The man page of 2.2.7 lists `dynamic`; keepalived 2.2.7 says "Unknown keyword 'dynamic'".
  auto r = ka(vs(" real_server 10.0.1.1 80 {\n  FILE_CHECK {\n   track_file load\n   dynamic\n  }\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_NE(warnings(r).find("dynamic"), std::string::npos) << warnings(r);
  EXPECT_EQ(r.config->virtual_servers[0].real_servers[0].options->file_checks.size(), 1u);
}

const std::string kYamlHead =
    "track_files:\n  - {name: load, file: /run/lb/load}\n"
    "virtual_servers:\n  - address: 10.0.0.100\n    port: 80\n    real_servers:\n      - address: 10.0.1.1\n";

TEST(YamlFileCheck, OneOrAListOfThem) {
  auto r = load_yaml(kYamlHead + "        FILE_CHECK: {track_file: load, weight: -3, reverse: true}\n"
                                 "      - address: 10.0.1.2\n"
                                 "        FILE_CHECK:\n          - {track_file: load}\n          - {track_file: load, weight: 0}\n",
                     "c.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& rs = r.config->virtual_servers[0].real_servers;
  EXPECT_EQ(rs[0].options->file_checks, (std::vector<TrackScript>{{.name = "load", .weight = -3, .reverse = true}}));
  EXPECT_EQ(rs[1].options->file_checks, (std::vector<TrackScript>{{.name = "load"}, {.name = "load", .weight = 0}}));
  expect_round_trip(*r.config);
}

TEST(YamlFileCheck, ErrorsNameTheKeyAndItsPlace) {
  auto r = load_yaml(kYamlHead + "        FILE_CHECK:\n          - {track_file: nosuch}\n          - {weight: 1}\n"
                                 "          - {track_file: load, weight: 2147483648, colour: red}\n",
                     "c.yaml");
  ASSERT_FALSE(r.ok());
  const std::string m = messages(r);
  EXPECT_NE(m.find("c.yaml:9:26: virtual_servers[0].real_servers[0].FILE_CHECK[0].track_file: no track_file named "
                   "'nosuch'"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("FILE_CHECK[1].track_file: missing required key 'track_file'"), std::string::npos) << m;
  EXPECT_NE(m.find("FILE_CHECK[2].weight"), std::string::npos) << m;
  EXPECT_NE(m.find("colour"), std::string::npos) << m;
}

}  // namespace
}  // namespace lvsd::conf
