#pragma once
// The HealthView fixture: HealthView driven by FakeScheduler and checkers the
// test completes by hand (no sockets, no sleeping), and config builders.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/fake_scheduler.hpp"
#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/health_view.hpp"

namespace lvsd::daemon::test_support {

using healthcheck::CheckResult;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

// A TCP check on `port` that goes down on the first failed attempt.
inline conf::Check tcp_check(std::uint16_t port) {
  return conf::Check{.probe = conf::TcpCheck{}, .connect_port = port, .retry = 0, .delay_loop = seconds(60)};
}

inline conf::Check misc_check(std::uint16_t port, bool dynamic) {
  return conf::Check{.probe = conf::MiscCheck{.misc_path = "/bin/true", .misc_dynamic = dynamic},
                     .connect_port = port, .retry = 0, .delay_loop = seconds(60)};
}

inline conf::RealServer real_server(const char* address, std::uint32_t weight, std::vector<conf::Check> checks) {
  return conf::RealServer{.address = ip(address), .port = 80, .weight = weight, .checks = std::move(checks)};
}

inline conf::VirtualServer virtual_server(std::vector<conf::RealServer> real_servers) {
  return conf::VirtualServer{.address = ip("10.0.0.100"), .port = 80, .lb_kind = conf::ForwardingMethod::kDr,
                             .real_servers = std::move(real_servers)};
}

inline conf::Config config_of(std::vector<conf::VirtualServer> virtual_servers) {
  return conf::Config{.virtual_servers = std::move(virtual_servers)};
}

// Probes wait in `pending` (by "address:port") until the test completes them.
using Pending = std::map<std::string, healthcheck::Checker::Done>;

class ManualChecker final : public healthcheck::Checker {
 public:
  ManualChecker(Pending& pending, std::string key) : pending_(pending), key_(std::move(key)) {}
  ~ManualChecker() override { cancel(); }
  void start(Done done) override { pending_[key_] = std::move(done); }
  void cancel() override { pending_.erase(key_); }

 private:
  Pending& pending_;
  std::string key_;
};

class HealthViewTest : public ::testing::Test {
 protected:
  core::FakeScheduler clock_;
  Pending pending_;
  int factory_calls_ = 0;
  healthcheck::CheckScheduler checks_{clock_,
                                      [this](const healthcheck::CheckSpec& spec) {
                                        ++factory_calls_;
                                        return std::make_unique<ManualChecker>(
                                            pending_, spec.address + ":" + std::to_string(spec.port));
                                      },
                                      [](core::Duration) { return core::Duration::zero(); }};
  int changes_ = 0;
  HealthView view_{clock_, checks_, [this] { ++changes_; }};

  // Lets time run until the probe of `key` has started, then completes it.
  void probe(const std::string& key, CheckResult result) {
    for (int i = 0; i < 1000 && !pending_.contains(key); ++i) {
      if (clock_.next_deadline() > clock_.now()) {
        ASSERT_TRUE(clock_.run_next()) << "no probe of " << key << " will ever start";
      } else {
        clock_.advance(core::Duration::zero());
      }
    }
    ASSERT_TRUE(pending_.contains(key)) << key;
    auto done = std::move(pending_[key]);
    pending_.erase(key);
    done(std::move(result));
  }
  void pass(const std::string& key) { probe(key, CheckResult{.up = true, .reason = "connected"}); }
  void fail(const std::string& key, std::string reason = "connection refused") {
    probe(key, CheckResult{.up = false, .reason = std::move(reason)});
  }

  // "address:port" -> weight of every destination of service `index`.
  std::map<std::string, int> pool(std::size_t index = 0) const {
    std::map<std::string, int> out;
    const director::IpvsTable table = view_.table();
    if (index >= table.services.size()) return out;
    for (const auto& d : table.services[index].destinations)
      out[d.endpoint.to_string()] = d.weight;
    return out;
  }
};

using Pool = std::map<std::string, int>;

// Copies what the process logger prints at info and above while it lives
// (message text only). The logger itself runs at debug meanwhile, so a debug
// line that would duplicate an info line is seen not to reach the capture.
class LogCapture {
 public:
  LogCapture() : previous_level_(core::log::get()->level()) { core::log::get()->set_level(core::log::Level::debug); }
  ~LogCapture() { core::log::get()->set_level(previous_level_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return capture_.text(); }

 private:
  core::log::Capture capture_{core::log::Level::info};
  core::log::Level previous_level_;
};

// The lines of `text` that contain `needle`.
inline std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace lvsd::daemon::test_support
