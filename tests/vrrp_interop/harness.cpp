#include "tests/vrrp_interop/harness.hpp"

#include <signal.h>

#include <cstdlib>
#include <set>
#include <fstream>
#include <sstream>

#include "vrrp/link_monitor.hpp"

namespace lvsd::interop {
namespace {

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

// "0.1" for 100 ms, "1" for 1000 ms: keepalived reads advert_int in seconds.
std::string seconds_text(milliseconds d) {
  std::ostringstream out;
  out << d.count() / 1000;
  if (d.count() % 1000 != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, "%03d", static_cast<int>(d.count() % 1000));
    std::string f = frac;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out << '.' << f;
  }
  return out.str();
}

int count_occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace

std::string keepalived_conf(const RouterSpec& s) {
  std::ostringstream c;
  c << "global_defs {\n  router_id " << s.instance << "_" << s.priority << "\n" << s.keepalived_global << "}\n";
  c << s.keepalived_top;
  c << "vrrp_instance " << s.instance << " {\n";
  c << "  state " << (s.initial_master ? "MASTER" : "BACKUP") << "\n";
  c << "  interface " << s.interface << "\n";
  c << "  virtual_router_id " << s.vrid << "\n";
  c << "  priority " << s.priority << "\n";
  c << "  version " << s.version << "\n";
  c << "  advert_int " << seconds_text(s.advert_int) << "\n";
  if (!s.pass.empty()) c << "  authentication {\n    auth_type PASS\n    auth_pass " << s.pass << "\n  }\n";
  if (!s.unicast_src.empty()) c << "  unicast_src_ip " << s.unicast_src << "\n";
  if (!s.unicast_peers.empty()) {
    c << "  unicast_peer {\n";
    for (const auto& p : s.unicast_peers) c << "    " << p << "\n";
    c << "  }\n";
  }
  if (s.nopreempt) c << "  nopreempt\n";
  c << s.keepalived_instance;
  c << "  virtual_ipaddress {\n";
  for (const auto& v : s.vips) c << "    " << v << "\n";
  c << "  }\n}\n";
  return c.str();
}

std::string lvsd_yaml(const RouterSpec& s) {
  std::ostringstream y;
  y << "vrrp_instances:\n";
  y << "  - name: " << s.instance << "\n";
  y << "    state: " << (s.initial_master ? "MASTER" : "BACKUP") << "\n";
  y << "    interface: " << s.interface << "\n";
  y << "    virtual_router_id: " << s.vrid << "\n";
  y << "    priority: " << s.priority << "\n";
  y << "    version: " << s.version << "\n";
  y << "    advert_int: " << s.advert_int.count() << "ms\n";
  if (!s.pass.empty()) y << "    authentication: {type: PASS, pass: \"" << s.pass << "\"}\n";
  if (!s.unicast_src.empty()) y << "    unicast_src_ip: " << s.unicast_src << "\n";
  if (!s.unicast_peers.empty()) {
    y << "    unicast_peer:\n";
    for (const auto& p : s.unicast_peers) y << "      - " << p << "\n";
  }
  if (s.nopreempt) y << "    nopreempt: true\n";
  y << "    virtual_ipaddress:\n";
  for (const auto& v : s.vips) y << "      - \"" << v << "\"\n";
  return y.str();
}

std::string write_temp_file(const std::string& stem, const std::string& text) {
  static std::atomic<int> counter{0};
  const std::string path = temp_dir() + "/" + stem + "-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter++);
  std::ofstream(path) << text;
  return path;
}

std::string_view to_string(Implementation impl) {
  return impl == Implementation::kLvsd ? "lvsd" : "keepalived";
}

std::string lvsd_binary() {
  if (const char* e = std::getenv("LVSD_BINARY"); e != nullptr && *e != '\0') return e;
#ifdef LVSD_BINARY
  return LVSD_BINARY;
#else
  return "lvsd";
#endif
}

Router::Router(test::Host& host, Implementation impl, RouterSpec spec)
    : host_(host), impl_(impl), spec_(std::move(spec)) {
  pid_dir_ = write_temp_file("vrrp-interop-" + host.name(), "");
  ::unlink(pid_dir_.c_str());
  test::run_command("mkdir -p " + test::shell_quote(pid_dir_));
  if (impl_ == Implementation::kKeepalived || !spec_.keepalived_top.empty() || !spec_.keepalived_instance.empty() ||
      !spec_.keepalived_global.empty()) {
    config_path_ = pid_dir_ + "/keepalived.conf";
    std::ofstream(config_path_) << keepalived_conf(spec_);
  } else {
    config_path_ = pid_dir_ + "/lvsd.yaml";
    // Each lvsd of a pair shares the file system: private control socket and state file.
    std::ofstream(config_path_) << "global:\n  control_socket: " << pid_dir_ << "/lvsd.sock\n"
                                << lvsd_yaml(spec_);
  }
}

Router::~Router() {
  if (process_) process_->kill_and_wait();
  if (impl_ == Implementation::kKeepalived) {
    // The VRRP child outlives a parent killed with SIGKILL.
    test::run_command("kill -9 $(cat " + test::shell_quote(pid_dir_ + "/vrrp.pid") + " 2>/dev/null) 2>/dev/null");
  }
  test::run_command("rm -rf " + test::shell_quote(pid_dir_));
}

void Router::start() {
  std::string cmd;
  if (impl_ == Implementation::kKeepalived) {
    cmd = "keepalived -n -l -G -D -P -f " + config_path_ + " -p " + pid_dir_ + "/keepalived.pid -r " + pid_dir_ +
          "/vrrp.pid -c " + pid_dir_ + "/checkers.pid";
  } else {
    cmd = lvsd_binary() + " --log-level debug -f " + config_path_ + " --state-file " + pid_dir_ + "/ipvs-owned";
  }
  process_ = host_.spawn(cmd);
}

void Router::request_stop() {
  if (process_) process_->signal(SIGTERM);
}

void Router::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait(milliseconds(5000));
}

void Router::kill9() {
  if (!process_) return;
  if (impl_ == Implementation::kKeepalived) {
    test::run_command("kill -9 $(cat " + test::shell_quote(pid_dir_ + "/vrrp.pid") + " 2>/dev/null) 2>/dev/null");
  }
  process_->signal(SIGKILL);
  process_->wait(milliseconds(2000));
}

bool Router::running() { return process_ && process_->running(); }

std::string Router::log() const { return process_ ? process_->output() : std::string{}; }

int Router::count_state(const std::string& state) const {
  const std::string text = log();
  if (impl_ == Implementation::kKeepalived) return count_occurrences(text, "Entering " + state + " STATE");
  return count_occurrences(text, "-> " + state + " (");
}

bool Router::wait_for_state(const std::string& state, milliseconds timeout, int occurrence) {
  return test::wait_until([&] { return count_state(state) >= occurrence; }, timeout, milliseconds(10));
}

core::Result<VipProbe> VipProbe::open(const test::Host& host, bool only_running_links) {
  auto client = in_netns(host, [] { return vrrp::AddressClient::open(milliseconds(200)); });
  if (!client.ok()) return client.error();
  return VipProbe(std::move(*client), only_running_links ? &host : nullptr);
}

bool VipProbe::holds(const core::IpAddress& address) {
  std::lock_guard lock(*mutex_);
  auto list = client_.list(address.family(), 0);
  if (!list.ok()) return false;
  std::set<int> running;
  if (running_links_of_ != nullptr) {
    // LinkMonitor::dump() opens its socket in the calling thread's namespace.
    auto links = in_netns(*running_links_of_, []() -> core::Result<std::vector<vrrp::LinkState>> {
      auto monitor = vrrp::LinkMonitor::open(milliseconds(200));
      if (!monitor.ok()) return monitor.error();
      return monitor->dump();
    });
    if (!links.ok()) return false;
    for (const auto& l : *links)
      if (l.up) running.insert(l.ifindex);
  }
  for (const auto& a : *list) {
    if (a.prefix.address != address) continue;
    if (running_links_of_ == nullptr || running.count(a.ifindex) != 0) return true;
  }
  return false;
}

HolderMonitor::HolderMonitor(std::vector<VipProbe*> probes, core::IpAddress vip, milliseconds period)
    : probes_(std::move(probes)), vip_(vip), period_(period) {
  thread_ = std::thread([this] {
    auto next = Clock::now();
    while (!stop_.load()) {
      Sample s{.at = Clock::now(), .holds = {}};
      for (auto* p : probes_) s.holds.push_back(p->holds(vip_));
      {
        std::lock_guard lock(mutex_);
        samples_.push_back(std::move(s));
      }
      next += period_;
      std::this_thread::sleep_until(next);
    }
  });
}

HolderMonitor::~HolderMonitor() { stop(); }

void HolderMonitor::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<HolderMonitor::Sample> HolderMonitor::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

milliseconds HolderMonitor::longest_dual_holding() const {
  const auto all = samples();
  milliseconds longest{0};
  bool in_run = false;
  Clock::time_point start{};
  for (const auto& s : all) {
    int holders = 0;
    for (bool h : s.holds) holders += h ? 1 : 0;
    if (holders >= 2) {
      if (!in_run) start = s.at;
      in_run = true;
      longest = std::max(longest, std::chrono::duration_cast<milliseconds>(s.at - start) + period_);
    } else {
      in_run = false;
    }
  }
  return longest;
}

std::optional<Clock::time_point> HolderMonitor::first_sole_holder(std::size_t index, Clock::time_point from) const {
  for (const auto& s : samples()) {
    if (s.at < from) continue;
    bool sole = s.holds[index];
    for (std::size_t i = 0; i < s.holds.size(); ++i) {
      if (i != index && s.holds[i]) sole = false;
    }
    if (sole) return s.at;
  }
  return std::nullopt;
}

PairTopology::PairTopology(int subnet) {
  const std::string net = "10." + std::to_string(subnet) + ".0.";
  a = &topo.add_host("a", net + "1/24");
  b = &topo.add_host("b", net + "2/24");
  client = &topo.add_host("c", net + "3/24");
  vip = net + "100";
}

}  // namespace lvsd::interop
