// `lvsctl import-keepalived`: the seed's keepalived.conf becomes YAML that
// lvsd loads back to the same model; harmless keywords are warned about.
#include "cli/import_keepalived.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::cli {
namespace {

const std::string kSeed = std::string(LVSD_SOURCE_DIR) + "/examples/keepalived-seed.conf";

TEST(ImportKeepalived, SeedImportsToYamlThatLoadsBackEqual) {
  std::ostringstream out, err;
  ASSERT_EQ(import_keepalived(kSeed, out, err), 0) << err.str();
  auto reloaded = conf::load_yaml(out.str(), "imported.yaml");
  ASSERT_TRUE(reloaded.ok()) << out.str();
  auto direct = conf::import_keepalived_file(kSeed);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*reloaded.config, *direct.config);
  EXPECT_NE(out.str().find("192.168.152.100"), std::string::npos) << out.str();
  // The seed's mail settings are accepted but have no effect: said so.
  EXPECT_NE(err.str().find("warning: "), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("notification_email"), std::string::npos) << err.str();
}

TEST(ImportKeepalived, DefinitionsSeqAndConfigIdAreExpandedInTheYaml) {
  const std::string file = std::string(LVSD_SOURCE_DIR) + "/tests/conf/keepalived_compat/preprocess.conf";
  for (const std::string id : {"main", "backup"}) {
    std::ostringstream out, err;
    ASSERT_EQ(import_keepalived(file, out, err, id), 0) << err.str();
    EXPECT_EQ(err.str(), "");
    // The YAML holds the values for this config id, not the definitions.
    EXPECT_EQ(out.str().find('$'), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("router_id: lb_" + id), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("192.168.10.105/24"), std::string::npos) << out.str();
    auto reloaded = conf::load_yaml(out.str(), "imported.yaml");
    ASSERT_TRUE(reloaded.ok()) << out.str();
    auto direct = conf::import_keepalived_file(file, id);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(*reloaded.config, *direct.config);
  }
}

TEST(ImportKeepalived, UnknownKeywordIsRefusedWithItsLine) {
  char path[] = "/tmp/lvsd-import-XXXXXX.conf";
  core::UniqueFd fd(mkstemps(path, 5));
  ASSERT_TRUE(fd);
  const std::string text = "vrrp_instance VI_1 {\n    state MASTER\n    frobnicate yes\n}\n";
  ASSERT_EQ(write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  fd.reset();
  std::ostringstream out, err;
  EXPECT_EQ(import_keepalived(path, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find(std::string(path) + ":3:"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("frobnicate"), std::string::npos) << err.str();
  unlink(path);
}

TEST(ImportKeepalived, WhatIsNotARegularFileIsRefused) {
  // A directory used to print "{}" and exit 0.
  char dir[] = "/tmp/lvsd-import-dir-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  for (const std::string& path : {std::string(dir), std::string("/dev/zero"), std::string(dir) + "/missing.conf"}) {
    std::ostringstream out, err;
    EXPECT_EQ(import_keepalived(path, out, err), 1) << path;
    EXPECT_EQ(out.str(), "") << path;
    EXPECT_EQ(err.str().rfind(path + ": ", 0), 0u) << err.str();
    EXPECT_NE(err.str().find(path + ": not imported (1 error)"), std::string::npos) << err.str();
  }
  std::ostringstream out, err;
  ASSERT_EQ(import_keepalived(dir, out, err), 1);
  EXPECT_NE(err.str().find("is a directory, not a regular file"), std::string::npos) << err.str();
  rmdir(dir);
}

}  // namespace
}  // namespace lvsd::cli
