#pragma once
// Test helper (netns tier): runs the event loop on this thread while a
// blocking client runs on another, until the client is done or a bound passes.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "core/event_loop.hpp"

namespace lvsd::control::test_support {

// Returns false if the client was still running at `bound` (the loop then
// stops turning; the client's own socket timeouts end it).
inline bool run_loop_with_client(core::EventLoop& loop, const std::function<void()>& client,
                                 std::chrono::milliseconds bound = std::chrono::seconds(20)) {
  std::atomic<bool> done{false};
  std::thread t([&] {
    client();
    done = true;
  });
  // A short periodic timer so run_once(true) returns to check `done`.
  std::unique_ptr<core::Timer> tick;
  tick = loop.scheduler().create_timer([&] { tick->arm(std::chrono::milliseconds(5)); });
  tick->arm(std::chrono::milliseconds(5));
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done && std::chrono::steady_clock::now() < deadline) loop.run_once(true);
  const bool finished = done;
  tick.reset();
  t.join();
  return finished;
}

}  // namespace lvsd::control::test_support
