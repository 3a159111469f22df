#include "daemon/track_files.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "conf/read_file.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "vrrp/instance.hpp"

namespace lvsd::daemon {

namespace {

constexpr std::size_t kMaxTrackFileBytes = 4096;

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// keepalived's init_file: the value, written when the file is missing (or always with overwrite).
void init_file(const conf::TrackFile& f) {
  if (!f.init_file) return;
  struct stat st {};
  if (!f.init_overwrite && ::lstat(f.file.c_str(), &st) == 0) return;
  const std::string text = std::to_string(*f.init_file) + "\n";
  const int fd = ::open(f.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    core::log::get()->warn("track_file {}: init_file {}: {}", f.name, f.file, std::strerror(errno));
    return;
  }
  core::UniqueFd closer(fd);
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    core::log::get()->warn("track_file {}: init_file {}: {}", f.name, f.file, std::strerror(errno));
}

}  // namespace

TrackFiles::TrackFiles(core::EventLoop& loop, Listener listener) : loop_(loop), listener_(std::move(listener)) {}

TrackFiles::~TrackFiles() = default;

void TrackFiles::apply(const conf::Config& config) {
  std::map<std::string, File> next;
  for (const auto& f : config.track_files) {
    const bool tracked = std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(), [&](const auto& i) {
      return std::any_of(i.track_file.begin(), i.track_file.end(), [&](const auto& t) { return t.name == f.name; });
    });
    if (!tracked) continue;
    init_file(f);
    File file{.path = f.file, .value = 0};
    if (auto it = files_.find(f.name); it != files_.end() && it->second.path == f.file) file.value = it->second.value;
    next.emplace(f.name, std::move(file));
  }
  files_ = std::move(next);
  if (files_.empty()) return;
  if (!inotify_) {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      core::log::get()->error("track_file: inotify: {}; files are read at start and reload only", std::strerror(errno));
    } else {
      inotify_ = core::UniqueFd(fd);
      watcher_ = std::make_unique<core::IoWatcher>(loop_, inotify_.get(), core::IoWatcher::kRead, [this](int) {
        core::guarded("track_file watcher", [this] { on_readable(); });
      });
      watcher_->start();
    }
  }
  for (auto& [name, file] : files_) {
    watch(directory_of(file.path));
    read(name, file, true);
  }
}

long TrackFiles::value(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? 0 : it->second.value;
}

void TrackFiles::watch(const std::string& directory) {
  if (!inotify_) return;
  for (const auto& [wd, dir] : directories_)
    if (dir == directory) return;
  const int wd = ::inotify_add_watch(inotify_.get(), directory.c_str(),
                                     IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE);
  if (wd < 0) {
    core::log::get()->warn("track_file: cannot watch {}: {}; its files read as 0 until a reload", directory,
                           std::strerror(errno));
    return;
  }
  directories_[wd] = directory;
}

void TrackFiles::read(const std::string& name, File& file, bool report) {
  auto text = conf::read_regular_file(file.path, kMaxTrackFileBytes);
  const long value = text.ok() ? vrrp::parse_track_file_value(*text) : 0;
  if (value == file.value) return;
  file.value = value;
  if (report) listener_(name, value);
}

void TrackFiles::on_readable() {
  alignas(inotify_event) std::array<char, 4096> buffer{};
  bool any = false;
  // Bounded: a storm of events cannot keep the loop here.
  for (int round = 0; round < 16; ++round) {
    const ssize_t n = ::read(inotify_.get(), buffer.data(), buffer.size());
    if (n <= 0) break;
    any = true;
  }
  if (!any) return;
  // An event names a directory entry; re-reading every tracked file is
  // cheap (a few small files) and also covers a queue overflow.
  for (auto& [name, file] : files_) read(name, file, true);
}

}  // namespace lvsd::daemon
