#include "core/directory_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <set>
#include <vector>

#include "core/event_loop.hpp"

namespace lvsd::core {

namespace {
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE;
}  // namespace

DirectoryWatch::DirectoryWatch(EventLoop& loop) : loop_(loop) {}

DirectoryWatch::~DirectoryWatch() = default;

Result<DirectoryWatch::Id> DirectoryWatch::watch(const std::string& directory, Changed changed) {
  if (!inotify_) {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return errno_error("inotify", errno);
    inotify_ = UniqueFd(fd);
    watcher_ = std::make_unique<IoWatcher>(loop_, inotify_.get(), IoWatcher::kRead, [this](int) {
      guarded("directory watch", [this] { on_readable(); });
    });
    watcher_->start();
  }
  // The kernel gives a directory one watch descriptor per inotify instance,
  // however it is named: adding it again returns the same one.
  const int wd = ::inotify_add_watch(inotify_.get(), directory.c_str(), kEvents);
  if (wd < 0) return errno_error("cannot watch " + directory, errno);
  const Id id = next_id_++;
  subscriptions_.emplace(id, Subscription{.wd = wd, .changed = std::move(changed)});
  return id;
}

void DirectoryWatch::unwatch(Id id) {
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  const int wd = it->second.wd;
  subscriptions_.erase(it);
  for (const auto& [other, s] : subscriptions_)
    if (s.wd == wd) return;  // still followed by another subscriber
  ::inotify_rm_watch(inotify_.get(), wd);
}

std::size_t DirectoryWatch::directories() const {
  std::set<int> wds;
  for (const auto& [id, s] : subscriptions_) wds.insert(s.wd);
  return wds.size();
}

void DirectoryWatch::on_readable() {
  alignas(inotify_event) std::array<char, 4096> buffer{};
  std::set<int> changed;
  bool overflow = false;
  // Bounded: a storm of events cannot keep the loop here.
  for (int round = 0; round < 16; ++round) {
    const ssize_t n = ::read(inotify_.get(), buffer.data(), buffer.size());
    if (n <= 0) break;
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      if (event->mask & IN_Q_OVERFLOW) overflow = true;
      else changed.insert(event->wd);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  // A callback may watch or unwatch: call the subscribers found first.
  std::vector<Id> due;
  for (const auto& [id, s] : subscriptions_)
    if (overflow || changed.count(s.wd)) due.push_back(id);
  for (Id id : due) {
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) continue;
    Changed call = it->second.changed;
    call();
  }
}

}  // namespace lvsd::core
