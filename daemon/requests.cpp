#include "daemon/requests.hpp"

namespace lvsd::daemon {

bool RequestQueue::add(Request request) {
  if (stopping()) return false;
  switch (request) {
    case Request::kStop:
      stop_ = true;
      reload_ = false;
      restart_ = false;
      return true;
    case Request::kReload:
      reload_ = true;
      return true;
    case Request::kRestart:
      if (restart_pending()) return false;
      restart_ = true;
      return true;
  }
  return false;
}

std::optional<Request> RequestQueue::start_next() {
  if (running_) return std::nullopt;
  if (stop_) {
    stop_ = false;
    running_ = Request::kStop;
  } else if (reload_) {
    reload_ = false;
    running_ = Request::kReload;
  } else if (restart_) {
    restart_ = false;
    running_ = Request::kRestart;
  }
  return running_;
}

void RequestQueue::finished() {
  // A stop never finishes: the process ends.
  if (running_ != Request::kStop) running_.reset();
}

}  // namespace lvsd::daemon
