#pragma once
// The one libev loop of a process. Everything that waits (sockets, timers,
// signals, child processes, hiredis) is a watcher on this loop. No global:
// the daemon creates one EventLoop and passes it (or its Scheduler) down.
#include <functional>
#include <memory>

#include "core/clock.hpp"

struct ev_loop;

namespace lvsd::core {

class EventLoop;
class DirectoryWatch;

// Watches a file descriptor for readability and/or writability.
class IoWatcher {
 public:
  enum Events : int { kRead = 1, kWrite = 2 };
  // `callback` receives the ready events (kRead | kWrite).
  IoWatcher(EventLoop& loop, int fd, int events, std::function<void(int ready)> callback);
  ~IoWatcher();
  IoWatcher(const IoWatcher&) = delete;
  IoWatcher& operator=(const IoWatcher&) = delete;

  void start();
  void stop();
  void set_events(int events);  // restarts the watcher if it was active
  bool active() const;
  int fd() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Delivers a signal on the loop (never inside the async signal handler).
// While it exists it keeps EventLoop::run() running.
class SignalWatcher {
 public:
  SignalWatcher(EventLoop& loop, int signum, std::function<void()> callback);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class EventLoop {
 public:
  EventLoop();  // the libev default loop (the only one that can watch signals and children)
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until stop() is called or no watcher is active.
  void run();
  // Runs one iteration; waits only if `block`.
  void run_once(bool block);
  void stop();

  // The Scheduler backed by this loop (ev_timer; now() is the monotonic clock).
  Scheduler& scheduler();
  // For libraries that attach to libev themselves (hiredis' redisLibevAttach).
  struct ev_loop* raw() const { return loop_; }
  // The one inotify watch of the directories lvsd follows (made on first use).
  DirectoryWatch& directory_watch();

 private:
  struct ev_loop* loop_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<DirectoryWatch> directory_watch_;  // before the loop goes: ~EventLoop
};

// Runs `fn`, catching any exception so none escapes a libev callback.
// Logs it with `where` and returns false if one was thrown.
bool guarded(const char* where, const std::function<void()>& fn);

}  // namespace lvsd::core
