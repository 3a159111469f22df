// keepalived's notify FIFOs in both front ends: keepalived.conf import, the
// YAML keys, validation (file:line:column) and the round trip through YAML.
#include <gtest/gtest.h>

#include "conf/keepalived_import.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

std::string first_error(const LoadResult& r) { return r.errors.empty() ? std::string() : format_error(r.errors[0]); }

TEST(NotifyFifoConf, KeepalivedKeywordsAreImported) {
  const char* text =
      "global_defs {\n"
      "  notify_fifo /run/all.fifo\n"
      "  notify_fifo_script \"/usr/local/bin/reader --all\" nobody nogroup\n"
      "  vrrp_notify_fifo /run/vrrp.fifo nobody\n"
      "  lvs_notify_fifo /run/lvs.fifo root adm\n"
      "  lvs_notify_fifo_script /usr/local/bin/lvs-reader\n"
      "  vrrp_notify_priority_changes\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << first_error(r);
  EXPECT_TRUE(r.warnings.empty()) << format_error(r.warnings.at(0));
  const Global& g = r.config->global;
  EXPECT_EQ(g.notify_fifo, (NotifyFifo{.path = "/run/all.fifo",
                                       .owner = std::nullopt,
                                       .script = "/usr/local/bin/reader --all",
                                       .script_user = ScriptUser{.user = "nobody", .group = "nogroup"}}));
  EXPECT_EQ(g.vrrp_notify_fifo, (NotifyFifo{.path = "/run/vrrp.fifo",
                                            .owner = ScriptUser{.user = "nobody", .group = std::nullopt},
                                            .script = std::nullopt,
                                            .script_user = std::nullopt}));
  EXPECT_EQ(g.lvs_notify_fifo, (NotifyFifo{.path = "/run/lvs.fifo",
                                           .owner = ScriptUser{.user = "root", .group = "adm"},
                                           .script = "/usr/local/bin/lvs-reader",
                                           .script_user = std::nullopt}));
  EXPECT_TRUE(g.vrrp_notify_priority_changes);
}

TEST(NotifyFifoConf, PriorityChangesTakesKeepalivedsBooleans) {
  auto r = import_keepalived("global_defs {\n  vrrp_notify_priority_changes off\n}\n", "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << first_error(r);
  EXPECT_FALSE(r.config->global.vrrp_notify_priority_changes);
  r = import_keepalived("global_defs {\n  vrrp_notify_priority_changes maybe\n}\n", "k.conf", no_include_reader());
  EXPECT_EQ(first_error(r), "k.conf:2:32: global.vrrp_notify_priority_changes: 'maybe' is not valid for "
                            "vrrp_notify_priority_changes: allowed true, on, yes, false, off, no or nothing (true)");
}

// keepalived 2.2.7 accepts a FIFO script without its FIFO (and starts nothing).
TEST(NotifyFifoConf, AScriptWithoutItsFifoIsDroppedWithAWarning) {
  auto r = import_keepalived("global_defs {\n  vrrp_notify_fifo_script /bin/cat\n}\n", "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << first_error(r);
  EXPECT_FALSE(r.config->global.vrrp_notify_fifo.has_value());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(format_error(r.warnings[0]),
            "k.conf:2:3: global.vrrp_notify_fifo.script: 'vrrp_notify_fifo_script' without 'vrrp_notify_fifo' is "
            "ignored (keepalived starts no script without its FIFO)");
}

TEST(NotifyFifoConf, ImportErrorsHaveTheirLine) {
  auto r = import_keepalived("global_defs {\n  lvs_notify_fifo /run/lvs.fifo bad/user\n}\n", "k.conf",
                             no_include_reader());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(first_error(r), "k.conf:2:33: global.lvs_notify_fifo.owner: 'bad/user' is not a user or group name: allowed "
                            "\"USER\" or \"USER GROUP\" (names of letters, digits, '.', '_', '-')");
  r = import_keepalived("global_defs {\n  notify_fifo /run/a.fifo\n  vrrp_notify_fifo /run/a.fifo\n}\n", "k.conf",
                        no_include_reader());
  EXPECT_EQ(first_error(r), "k.conf:3:20: global.vrrp_notify_fifo.path: '/run/a.fifo' is also the path of notify_fifo: "
                            "allowed a path no other notify FIFO has");
}

TEST(NotifyFifoConf, YamlKeys) {
  auto r = load_yaml("global:\n"
                     "  vrrp_notify_fifo:\n"
                     "    path: /run/vrrp.fifo\n"
                     "    owner: nobody nogroup\n"
                     "    script: \"/usr/local/bin/reader -v\"\n"
                     "    script_user: nobody\n"
                     "  vrrp_notify_priority_changes: true\n",
                     "u.yaml");
  ASSERT_TRUE(r.ok()) << first_error(r);
  EXPECT_EQ(r.config->global.vrrp_notify_fifo,
            (NotifyFifo{.path = "/run/vrrp.fifo",
                        .owner = ScriptUser{.user = "nobody", .group = "nogroup"},
                        .script = "/usr/local/bin/reader -v",
                        .script_user = ScriptUser{.user = "nobody", .group = std::nullopt}}));
  EXPECT_TRUE(r.config->global.vrrp_notify_priority_changes);
  EXPECT_FALSE(r.config->global.notify_fifo.has_value());
}

TEST(NotifyFifoConf, YamlValidationErrorsHaveTheirLineAndColumn) {
  auto r = load_yaml("global:\n  lvs_notify_fifo:\n    path: run/lvs.fifo\n", "u.yaml");
  EXPECT_EQ(first_error(r), "u.yaml:3:11: global.lvs_notify_fifo.path: 'run/lvs.fifo' is not an absolute path: allowed "
                            "an absolute path");
  r = load_yaml("global:\n  notify_fifo:\n    script: /bin/cat\n", "u.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "global.notify_fifo.path");
  EXPECT_NE(r.errors[0].message.find("missing required key 'path'"), std::string::npos) << r.errors[0].message;
  r = load_yaml("global:\n  notify_fifo:\n    path: /a\n    scrip: x\n", "u.yaml");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].location.line, 4);
  r = load_yaml("global:\n  notify_fifo:\n    path: /a\n    script: \"  \"\n", "u.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "global.notify_fifo.script");
}

TEST(NotifyFifoConf, KeepalivedToYamlAndBackIsTheSame) {
  const char* text =
      "global_defs {\n"
      "  notify_fifo /run/all.fifo root\n"
      "  notify_fifo_script \"/usr/local/bin/reader 'a b'\" nobody\n"
      "  lvs_notify_fifo /run/lvs.fifo\n"
      "  vrrp_notify_priority_changes\n"
      "}\n";
  auto imported = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(imported.ok()) << first_error(imported);
  const std::string yaml = to_yaml(*imported.config);
  auto loaded = load_yaml(yaml, "round.yaml");
  ASSERT_TRUE(loaded.ok()) << first_error(loaded) << "\n" << yaml;
  EXPECT_EQ(*loaded.config, *imported.config) << yaml;
  EXPECT_EQ(to_yaml(*loaded.config), yaml);
  EXPECT_NE(yaml.find("  notify_fifo:\n    path: /run/all.fifo\n    owner: root\n"), std::string::npos) << yaml;
}

}  // namespace
}  // namespace lvsd::conf
