#pragma once
// Test hosts as network namespaces (netns and kernel tiers; needs root).
//
//   lvsd::test::Topology topo;                 // unique names for this run
//   auto& a = topo.add_host("a", "10.0.0.1/24");
//   auto& b = topo.add_host("b", "10.0.0.2/24");
//   EXPECT_EQ(a.run("ping -c1 -W1 10.0.0.2").exit_code, 0);
//
// Every host gets an interface "eth0" whose peer sits on a bridge "br0"
// inside a namespace of its own, so nothing is added to the test machine's
// own network. The destructor kills spawned processes and deletes every
// namespace, also when the test failed. Names carry the pid, and a new
// Topology removes namespaces left behind by runs whose pid is gone.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lvsd::test {

struct CommandResult {
  int exit_code = -1;  // -1 if the command could not run or was killed
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh -c on this machine (or in the current UML).
CommandResult run_command(const std::string& command);

// A process started in the background; killed (SIGTERM, then SIGKILL after
// 2 s) when destroyed unless it already exited.
class Process {
 public:
  Process(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signum`; returns false if the process is gone.
  bool signal(int signum);
  // Waits up to `timeout` for exit; returns the exit status (as waitpid gives it) or -1.
  int wait(std::chrono::milliseconds timeout);
  void kill_and_wait();
  // What the process wrote to stdout/stderr so far.
  std::string output() const;

 private:
  pid_t pid_;
  std::string log_path_;
  bool reaped_ = false;
  int status_ = -1;
};

class Topology;

class Host {
 public:
  const std::string& name() const { return name_; }          // short name given to add_host
  const std::string& netns() const { return netns_; }        // full namespace name
  const std::string& address() const { return address_; }    // "10.0.0.1" (no prefix)
  const std::string& bridge_port() const { return port_; }   // peer of eth0 on the bridge

  // Runs a command inside this host (ip netns exec ... sh -c ...).
  CommandResult run(const std::string& command) const;
  // Starts a command inside this host in the background.
  std::unique_ptr<Process> spawn(const std::string& command);
  // The MAC address of eth0, lower case.
  std::string mac() const;

 private:
  friend class Topology;
  Host(Topology* topo, std::string name, std::string netns, std::string address, std::string port)
      : topo_(topo), name_(std::move(name)), netns_(std::move(netns)), address_(std::move(address)),
        port_(std::move(port)) {}
  Topology* topo_;
  std::string name_, netns_, address_, port_;
};

class Topology {
 public:
  Topology();
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Adds a host on the shared bridge. `cidr` like "10.0.0.1/24"; empty for none.
  Host& add_host(const std::string& name, const std::string& cidr);
  // Takes the host's bridge port down (the host's cable is pulled) or up again.
  void set_link(const Host& host, bool up);
  // Runs a command in the bridge namespace.
  CommandResult run_on_bridge(const std::string& command) const;
  const std::string& id() const { return id_; }
  const std::string& bridge_netns() const { return bridge_ns_; }

 private:
  std::string id_;
  std::string bridge_ns_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::vector<std::string> namespaces_;
  std::vector<std::unique_ptr<Process>> processes_;
  friend class Host;
};

// Polls `condition` every `interval` until it is true or `timeout` passes.
// Returns whether it became true. Bounded: never loops forever.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace lvsd::test
