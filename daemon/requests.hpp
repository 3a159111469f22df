#pragma once
// The order in which the daemon runs what it is asked to do (pure). A reload
// reads the file off the loop, so it takes time; a request that arrives
// meanwhile (a second SIGHUP, a SIGUSR2, lvsctl) is queued, never lost and
// never run halfway through another:
//   - stop wins over everything still queued;
//   - reloads asked while one is queued coalesce into one (every asker gets
//     its answer from it); a reload asked while one runs runs again after,
//     because the file may have changed since it was read;
//   - a restart runs after the queued reloads, so the new image starts from
//     the configuration the operator last asked for; a second restart while
//     one is queued or running is refused ("restart in progress").
#include <optional>

namespace lvsd::daemon {

enum class Request { kReload, kRestart, kStop };

class RequestQueue {
 public:
  // False: refused (a restart while one is queued or running; anything
  // after a stop began).
  bool add(Request request);
  // When nothing runs: the request to start now (it is then running).
  std::optional<Request> start_next();
  // The running request ended (a failed restart ends too: lvsd runs on).
  void finished();

  bool busy() const { return running_.has_value(); }
  std::optional<Request> running() const { return running_; }
  bool reload_queued() const { return reload_; }
  bool restart_pending() const { return restart_ || running_ == Request::kRestart; }
  bool stopping() const { return stop_ || running_ == Request::kStop; }

 private:
  std::optional<Request> running_;
  bool reload_ = false;
  bool restart_ = false;
  bool stop_ = false;
};

}  // namespace lvsd::daemon
