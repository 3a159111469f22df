// `lvsd --check-config`: every error printed with its location, or
// "configuration OK" and the summary.
#include "daemon/check_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace lvsd::daemon {
namespace {

class CheckConfig : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-check-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(CheckConfig, ConfigIdChoosesTheAtIdLinesOfAKeepalivedConf) {
  // lvsd -t -i ID: the @ID lines of that id are read, the others not.
  auto path = write("k.conf",
                    "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n"
                    "  @lb1 priority 300\n  @^lb1 priority 100\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n");
  std::ostringstream out, err;
  EXPECT_EQ(check_config(path, out, err, std::string("lb2")), 0) << err.str();
  std::ostringstream out1, err1;
  EXPECT_EQ(check_config(path, out1, err1, std::string("lb1")), 1);
  EXPECT_NE(err1.str().find("k.conf:4:17: vrrp_instances[0].priority"), std::string::npos) << err1.str();
}

TEST_F(CheckConfig, ValidFilePrintsOkAndSummary) {
  auto path = write("ok.yaml", R"(vrrp_instances:
  - name: VI_1
    state: MASTER
    interface: eth0
    virtual_router_id: 51
    priority: 100
    virtual_ipaddress: ["192.168.152.100/24 dev eth0 label eth0:2"]
virtual_servers:
  - address: 192.168.152.100
    port: 80
    lb_algo: rr
    lb_kind: DR
    real_servers:
      - address: 192.168.152.133
        port: 80
        HTTP_GET:
          url: [{ path: / }]
)");
  std::ostringstream out, err;
  EXPECT_EQ(check_config(path, out, err), 0) << err.str();
  EXPECT_EQ(out.str().rfind("configuration OK: ", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("1 VRRP instance"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1 real server"), std::string::npos) << out.str();
}

TEST_F(CheckConfig, EveryErrorIsPrintedWithFileLineColumn) {
  auto path = write("bad.yaml", R"(virtual_servers:
  - address: 10.0.0.1
    port: 80
    lb_algo: roundrobin
    real_servers:
      - address: 10.0.0.2
        weight: 70000
)");
  std::ostringstream out, err;
  EXPECT_EQ(check_config(path, out, err), 1);
  EXPECT_EQ(out.str(), "");
  const std::string e = err.str();
  EXPECT_NE(e.find(path + ":4:"), std::string::npos) << e;
  EXPECT_NE(e.find("virtual_servers[0].lb_algo"), std::string::npos) << e;
  EXPECT_NE(e.find(path + ":7:"), std::string::npos) << e;
  EXPECT_NE(e.find("virtual_servers[0].real_servers[0].weight"), std::string::npos) << e;
  EXPECT_NE(e.find("configuration refused"), std::string::npos) << e;
}

TEST_F(CheckConfig, MissingFileIsAnError) {
  std::ostringstream out, err;
  EXPECT_EQ(check_config(dir_ + "/nope.yaml", out, err), 1);
  EXPECT_NE(err.str().find("nope.yaml"), std::string::npos);
}

TEST_F(CheckConfig, DirectoryIsRefusedNotACrash) {
  // `lvsd --check-config -f DIRECTORY` used to abort with std::bad_alloc.
  std::ostringstream out, err;
  EXPECT_EQ(check_config(dir_, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find(dir_ + ": is a directory, not a regular file"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("configuration refused"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace lvsd::daemon
