#include "tests/support/netns.hpp"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lvsd::test {

namespace {

// Namespaces are named "lvt<pid>x<n>-<host>"; the bridge is "lvt<pid>x<n>-br".
constexpr const char* kPrefix = "lvt";
std::atomic<int> g_topology_counter{0};

void remove_stale_namespaces() {
  DIR* dir = opendir("/run/netns");
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.rfind(kPrefix, 0) != 0) continue;
    std::size_t x = name.find('x');
    if (x == std::string::npos) continue;
    pid_t pid = 0;
    try {
      pid = static_cast<pid_t>(std::stol(name.substr(3, x - 3)));
    } catch (...) {
      continue;
    }
    if (pid > 0 && pid != getpid() && ::kill(pid, 0) != 0) stale.push_back(name);
  }
  closedir(dir);
  for (const auto& name : stale) run_command("ip netns pids " + name + " | xargs -r kill -9; ip netns del " + name);
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::string full = "( " + command + " ) 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// --- Process ---------------------------------------------------------------

Process::~Process() { kill_and_wait(); }

bool Process::running() {
  if (reaped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
    return false;
  }
  return r == 0;
}

bool Process::signal(int signum) { return running() && ::kill(pid_, signum) == 0; }

int Process::wait(std::chrono::milliseconds timeout) {
  wait_until([this] { return !running(); }, timeout, std::chrono::milliseconds(5));
  return reaped_ ? status_ : -1;
}

void Process::kill_and_wait() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (wait(std::chrono::milliseconds(2000)) == -1 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) {
      reaped_ = true;
      status_ = status;
    }
  }
}

std::string Process::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- Host ------------------------------------------------------------------

CommandResult Host::run(const std::string& command) const {
  return run_command("ip netns exec " + netns_ + " sh -c " + shell_quote(command));
}

std::unique_ptr<Process> Host::spawn(const std::string& command) {
  static std::atomic<int> counter{0};
  // $TMPDIR is private to each UML boot (the kernel tier sets it), so two
  // kernels running at once never share a log file even when their pids match.
  const char* tmpdir = std::getenv("TMPDIR");
  std::string log_path = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/" + netns_ + "-" +
                         std::to_string(counter++) + ".log";
  std::string inner = "exec " + command;
  std::string shell = "exec ip netns exec " + netns_ + " sh -c " + shell_quote(inner) + " >" +
                      shell_quote(log_path) + " 2>&1 </dev/null";
  const char* argv[] = {"/bin/sh", "-c", shell.c_str(), nullptr};
  pid_t pid = 0;
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so the test's terminal signals do not reach it twice.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  int rc = posix_spawn(&pid, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("posix_spawn failed for: " + command);
  return std::make_unique<Process>(pid, log_path);
}

std::string Host::mac() const {
  auto r = run("cat /sys/class/net/eth0/address");
  std::string mac = r.output;
  while (!mac.empty() && (mac.back() == '\n' || mac.back() == ' ')) mac.pop_back();
  return mac;
}

// --- Topology --------------------------------------------------------------

Topology::Topology() {
  remove_stale_namespaces();
  id_ = std::string(kPrefix) + std::to_string(getpid()) + "x" + std::to_string(g_topology_counter++);
  bridge_ns_ = id_ + "-br";
  auto r = run_command("ip netns add " + bridge_ns_ + " && ip -n " + bridge_ns_ +
                       " link add br0 type bridge && ip -n " + bridge_ns_ + " link set br0 up && ip -n " +
                       bridge_ns_ + " link set lo up");
  namespaces_.push_back(bridge_ns_);
  if (r.exit_code != 0) throw std::runtime_error("cannot create bridge namespace: " + r.output);
}

Topology::~Topology() {
  processes_.clear();
  // Kill whatever still runs inside our namespaces, then delete them.
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    run_command("ip netns pids " + *it + " | xargs -r kill -9; ip netns del " + *it);
  }
}

Host& Topology::add_host(const std::string& name, const std::string& cidr) {
  std::string ns = id_ + "-" + name;
  std::string port = "p" + std::to_string(hosts_.size() + 1);
  std::string cmd = "ip netns add " + ns + " && ip -n " + ns + " link set lo up && ip -n " + bridge_ns_ +
                    " link add " + port + " type veth peer name eth0 netns " + ns + " && ip -n " + bridge_ns_ +
                    " link set " + port + " master br0 up && ip -n " + ns + " link set eth0 up";
  if (!cidr.empty()) cmd += " && ip -n " + ns + " addr add " + cidr + " dev eth0";
  namespaces_.push_back(ns);
  auto r = run_command(cmd);
  if (r.exit_code != 0) throw std::runtime_error("cannot create host " + name + ": " + r.output);
  std::string address = cidr.substr(0, cidr.find('/'));
  hosts_.push_back(std::unique_ptr<Host>(new Host(this, name, ns, address, port)));
  return *hosts_.back();
}

void Topology::set_link(const Host& host, bool up) {
  auto r = run_command("ip -n " + bridge_ns_ + " link set " + host.bridge_port() + (up ? " up" : " down"));
  if (r.exit_code != 0) throw std::runtime_error("cannot set link of " + host.name() + ": " + r.output);
}

CommandResult Topology::run_on_bridge(const std::string& command) const {
  return run_command("ip netns exec " + bridge_ns_ + " sh -c " + shell_quote(command));
}

}  // namespace lvsd::test
