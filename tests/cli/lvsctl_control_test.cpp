// netns tier: lvsctl's daemon commands against a control socket served by
// lvsd_control in this process (handlers backed by a real AdminState).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "control/admin_state.hpp"
#include "control/server.hpp"
#include "tests/control/loop_runner.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::cli {
namespace {

using control::test_support::run_loop_with_client;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

const director::ServiceKey kWeb = director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.1"), 80);

director::IpvsTable configured() {
  return director::IpvsTable{
      .services = {{.service = {{.key = kWeb, .scheduler = "rr"}},
                    .destinations = {{.endpoint = {ip("10.0.0.2"), 80}, .weight = 3},
                                     {.endpoint = {ip("10.0.0.3"), 80}, .weight = 1}}}}};
}

class LvsctlControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsctl-control-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/lvsd.sock";
    control::ControlHandlers h;
    h.status = [this](control::ReplyLine done) { done(control::status_reply_line(snapshot()), true); };
    h.reload = [this](std::function<void(control::ReloadOutcome)> done) {
      ++reloads_;
      if (refuse_reload_) {
        return done(control::ReloadOutcome{.applied = false,
                                           .errors = {"lvsd.yaml:4:7: virtual_servers[0].port: 0 is not allowed",
                                                      "lvsd.yaml:9:3: vrrp_instances[0].priority: 300 is not in 1-254"}});
      }
      done(control::ReloadOutcome{.applied = true, .summary = "1 virtual server, 2 real servers"});
    };
    h.drain = [this](const control::DrainRequest& r) {
      std::optional<core::Duration> timeout;
      if (r.timeout_s) timeout = std::chrono::seconds(*r.timeout_s);
      return admin_.drain(configured(), r.virtual_server, r.real_server, timeout);
    };
    h.undrain = [this](const control::UndrainRequest& r) {
      return admin_.undrain(configured(), r.virtual_server, r.real_server);
    };
    h.enable = [this](const control::EnableRequest& r) { return admin_.enable(r.virtual_server); };
    h.disable = [this](const control::DisableRequest& r) { return admin_.disable(configured(), r.virtual_server); };
    auto server = control::ControlServer::open(loop_, {.path = path_}, h);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  control::StatusSnapshot snapshot() const {
    control::StatusSnapshot s{.version = "test", .pid = 99};
    const auto table = admin_.apply(configured());
    for (const auto& vs : configured().services) {
      control::VirtualServerStatus v{.key = director::describe(vs.service.key), .scheduler = vs.service.scheduler,
                                     .disabled = admin_.disabled().contains(vs.service.key)};
      for (const auto& d : vs.destinations) {
        control::RealServerStatus r{.address = d.endpoint.to_string(), .forward = "DR",
                                    .configured_weight = static_cast<std::uint32_t>(d.weight), .health = "up"};
        const auto it = admin_.drains().find({.service = vs.service.key, .destination = d.endpoint});
        if (it != admin_.drains().end()) {
          r.drain = it->second.phase == control::DrainPhase::kDraining ? "draining" : "drained";
        }
        v.real_servers.push_back(r);
      }
      s.virtual_servers.push_back(v);
    }
    (void)table;
    return s;
  }

  // Runs lvsctl with `args` while this thread serves the socket. libev's
  // default loop reaps every child (SIGCHLD), so the shell reports lvsctl's
  // exit code in the output instead of through waitpid.
  // `as`: a command prefix that changes the user lvsctl runs as.
  test::CommandResult lvsctl(const std::string& args, const std::string& as = "") {
    test::CommandResult result;
    EXPECT_TRUE(run_loop_with_client(loop_, [&] {
      result = test::run_command(as + std::string(LVSD_LVSCTL) + " " + args + " 2>&1; echo \"exit=$?\"");
    }));
    const auto at = result.output.rfind("exit=");
    if (at != std::string::npos) {
      result.exit_code = std::stoi(result.output.substr(at + 5));
      result.output.erase(at);
    }
    return result;
  }
  std::string sock() const { return "--socket " + path_; }

  core::EventLoop loop_;
  std::string dir_, path_;
  bool refuse_reload_ = false;
  int reloads_ = 0;
  // Nothing is ever active in this fake kernel: drains finish at the first poll.
  control::AdminState admin_{loop_.scheduler(), [](const std::set<director::ServiceKey>&) { return core::Result<director::IpvsTable>(director::IpvsTable{}); },
                             [] {}, {.poll_interval = std::chrono::hours(1)}};
  std::unique_ptr<control::ControlServer> server_;
};

TEST_F(LvsctlControlTest, StatusTextAndJson) {
  auto text = lvsctl(sock() + " status");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("VIRTUAL SERVERS"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("TCP 10.0.0.1:80  rr"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("10.0.0.3:80"), std::string::npos) << text.output;
  // --socket may also follow the command.
  auto json = lvsctl("status --json " + sock());
  EXPECT_EQ(json.exit_code, 0) << json.output;
  auto parsed = nlohmann::json::parse(json.output, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.output;
  EXPECT_EQ(parsed["ok"], true);
  EXPECT_EQ(parsed["result"]["pid"], 99);
}

TEST_F(LvsctlControlTest, ReloadRefusedExitsNonZeroWithEveryError) {
  refuse_reload_ = true;
  auto refused = lvsctl(sock() + " reload");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("configuration refused"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("lvsd.yaml:4:7: virtual_servers[0].port"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("lvsd.yaml:9:3: vrrp_instances[0].priority"), std::string::npos) << refused.output;
  refuse_reload_ = false;
  auto applied = lvsctl(sock() + " reload");
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_NE(applied.output.find("reload: applied: 1 virtual server"), std::string::npos) << applied.output;
  EXPECT_EQ(reloads_, 2);
}

TEST_F(LvsctlControlTest, DrainUndrainEnableDisable) {
  auto drain = lvsctl(sock() + " drain 10.0.0.1:80 10.0.0.2:80 --timeout 30");
  EXPECT_EQ(drain.exit_code, 0) << drain.output;
  EXPECT_NE(drain.output.find("draining 10.0.0.2:80 of TCP 10.0.0.1:80"), std::string::npos) << drain.output;
  ASSERT_EQ(admin_.drains().size(), 1u);
  auto status = lvsctl(sock() + " status");
  EXPECT_NE(status.output.find("up, draining"), std::string::npos) << status.output;
  auto undrain = lvsctl(sock() + " undrain 'TCP 10.0.0.1:80' 10.0.0.2");
  EXPECT_EQ(undrain.exit_code, 0) << undrain.output;
  EXPECT_NE(undrain.output.find("back in service"), std::string::npos) << undrain.output;
  EXPECT_TRUE(admin_.drains().empty());

  auto unknown = lvsctl(sock() + " drain 10.0.0.1:80 10.0.0.9:80");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no real server 10.0.0.9:80 in virtual server TCP 10.0.0.1:80"), std::string::npos)
      << unknown.output;

  auto disable = lvsctl(sock() + " disable 10.0.0.1:80");
  EXPECT_EQ(disable.exit_code, 0) << disable.output;
  EXPECT_TRUE(admin_.disabled().contains(kWeb));
  auto status2 = lvsctl(sock() + " status");
  EXPECT_NE(status2.output.find("DISABLED"), std::string::npos) << status2.output;
  auto enable = lvsctl(sock() + " enable 10.0.0.1:80 --json");
  EXPECT_EQ(enable.exit_code, 0) << enable.output;
  EXPECT_NE(enable.output.find("\"changed\": true"), std::string::npos) << enable.output;
  EXPECT_TRUE(admin_.disabled().empty());
}

TEST_F(LvsctlControlTest, WithoutTheDaemonSaysWhatNeedsIt) {
  for (const char* cmd : {"status", "reload", "restart", "drain 10.0.0.1:80 10.0.0.2", "enable 10.0.0.1:80"}) {
    auto r = test::run_command(std::string(LVSD_LVSCTL) + " --socket " + dir_ + "/none.sock " + cmd + " 2>&1");
    EXPECT_EQ(r.exit_code, 3) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("lvsd is not running (cannot connect to " + dir_ + "/none.sock"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("list/save/connections work without it"), std::string::npos) << r.output;
  }
}

TEST_F(LvsctlControlTest, PermissionDeniedIsNotNotRunning) {
  // Only the socket's own mode (0600, root's) keeps `nobody` out.
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  for (const char* cmd : {"status", "reload"}) {
    auto r = lvsctl(sock() + " " + cmd, "setpriv --reuid=65534 --regid=65534 --clear-groups ");
    EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("permission denied on lvsd's control socket " + path_), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("run lvsctl as root"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("not running"), std::string::npos) << r.output;
  }
  EXPECT_EQ(reloads_, 0);
  // Root still gets in.
  EXPECT_EQ(lvsctl(sock() + " status").exit_code, 0);
}

TEST_F(LvsctlControlTest, BadArgumentsExitTwo) {
  for (const char* cmd : {"drain", "drain 10.0.0.1:80", "drain 10.0.0.1 10.0.0.2", "drain 10.0.0.1:80 nothost",
                          "drain 10.0.0.1:80 10.0.0.2 --timeout -5", "enable", "disable 'FWM 0'",
                          "realserver up", "realserver sideways --vip 10.0.0.1", "frobnicate"}) {
    auto r = test::run_command(std::string(LVSD_LVSCTL) + " " + sock() + " " + cmd + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << cmd << ": " << r.output;
  }
}

}  // namespace
}  // namespace lvsd::cli
