#pragma once
// One inotify descriptor on the loop for every directory lvsd follows
// (track_file's files, for the VRRP instances and for real servers'
// FILE_CHECKs): a directory followed by several subscribers is watched once,
// and an event in it calls each of them. The loop owns it
// (EventLoop::directory_watch()), so the parts that follow the same file
// share the watch without knowing of each other.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::core {

class EventLoop;
class IoWatcher;

class DirectoryWatch {
 public:
  using Id = std::uint64_t;
  using Changed = std::function<void()>;

  explicit DirectoryWatch(EventLoop& loop);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Calls `changed` (on the loop) after an entry of `directory` was written
  // and closed, created, moved in or out, or removed; also after the
  // kernel's queue overflowed. The error says why it cannot be watched.
  Result<Id> watch(const std::string& directory, Changed changed);
  void unwatch(Id id);
  // inotify watches held (one per directory, however many subscribers).
  std::size_t directories() const;

 private:
  struct Subscription {
    int wd = -1;
    Changed changed;
  };
  void on_readable();

  EventLoop& loop_;
  UniqueFd inotify_;
  std::unique_ptr<IoWatcher> watcher_;
  Id next_id_ = 1;
  std::map<Id, Subscription> subscriptions_;
};

}  // namespace lvsd::core
