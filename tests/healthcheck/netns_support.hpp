#pragma once
// Helpers for the healthcheck netns tier: run the real checkers from inside a
// client namespace against servers in other namespaces of the same Topology.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.hpp"
#include "core/unique_fd.hpp"
#include "healthcheck/check_spec.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::healthcheck::test {

// Moves this thread into `host`'s network namespace until destroyed.
// Sockets created meanwhile stay in that namespace.
class NetnsScope {
 public:
  explicit NetnsScope(const lvsd::test::Host& host);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  core::UniqueFd saved_;
};

// A listening TCP socket on address:port in the current namespace (no accept).
core::UniqueFd listen_tcp(const std::string& address, std::uint16_t port, int backlog = 128);

// Runs `loop` until `done()` or `timeout` (wall clock). Returns done().
bool run_loop_until(core::EventLoop& loop, const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Runs one probe of `spec` to completion (bounded by `timeout`).
CheckResult probe_once(core::EventLoop& loop, const CheckSpec& spec,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A thread that accepts on the given listening sockets and answers every
// request with a fixed "200 ok" response, then closes. Owns the sockets.
class TinyHttpResponder {
 public:
  explicit TinyHttpResponder(std::vector<core::UniqueFd> listeners);
  ~TinyHttpResponder();
  TinyHttpResponder(const TinyHttpResponder&) = delete;
  TinyHttpResponder& operator=(const TinyHttpResponder&) = delete;
  std::uint64_t served() const { return served_.load(); }

 private:
  void serve();
  std::vector<core::UniqueFd> listeners_;
  core::UniqueFd stop_fd_;
  std::atomic<std::uint64_t> served_{0};
  std::thread thread_;
};

// The checkers write to sockets peers may have closed.
void ignore_sigpipe();

}  // namespace lvsd::healthcheck::test
