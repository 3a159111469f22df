#include "daemon/track_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "conf/read_file.hpp"
#include "core/directory_watch.hpp"
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

// Whether any real server's FILE_CHECK names track_file `name`.
bool used_by_real_servers(const conf::Config& config, const std::string& name) {
  for (const auto& vs : config.virtual_servers)
    for (const auto& rs : vs.real_servers)
      for (const auto& f : rs.options->file_checks)
        if (f.name == name) return true;
  return false;
}

bool used_by_vrrp_instances(const conf::Config& config, const std::string& name) {
  return std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(), [&](const auto& i) {
    return std::any_of(i.track_file.begin(), i.track_file.end(), [&](const auto& t) { return t.name == name; });
  });
}

}  // namespace

TrackFiles::TrackFiles(core::EventLoop& loop, Listener listener, Users users)
    : loop_(loop), listener_(std::move(listener)), users_(users) {}

TrackFiles::~TrackFiles() { unwatch_all(); }

void TrackFiles::unwatch_all() {
  for (const auto& [directory, id] : directories_) loop_.directory_watch().unwatch(id);
  directories_.clear();
}

void TrackFiles::apply(const conf::Config& config) {
  std::map<std::string, File> next;
  for (const auto& f : config.track_files) {
    const bool tracked = users_ == Users::kVrrpInstances ? used_by_vrrp_instances(config, f.name)
                                                         : used_by_real_servers(config, f.name);
    if (!tracked) continue;
    // keepalived writes init_file once per file; both TrackFiles may: the
    // second finds the file there (or, with overwrite, writes the same).
    init_file(f);
    File file{.path = f.file, .value = 0};
    if (auto it = files_.find(f.name); it != files_.end() && it->second.path == f.file) file.value = it->second.value;
    next.emplace(f.name, std::move(file));
  }
  files_ = std::move(next);
  // Directories no file of this configuration is in any more.
  for (auto it = directories_.begin(); it != directories_.end();) {
    const bool used = std::any_of(files_.begin(), files_.end(),
                                  [&](const auto& f) { return directory_of(f.second.path) == it->first; });
    if (used) {
      ++it;
    } else {
      loop_.directory_watch().unwatch(it->second);
      it = directories_.erase(it);
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
  if (directories_.count(directory)) return;
  auto id = loop_.directory_watch().watch(directory, [this] { on_changed(); });
  if (!id.ok()) {
    core::log::get()->warn("track_file: {}; its files are read at start and reload only", id.error().message);
    return;
  }
  directories_[directory] = *id;
}

void TrackFiles::read(const std::string& name, File& file, bool report) {
  auto text = conf::read_regular_file(file.path, kMaxTrackFileBytes);
  const long value = text.ok() ? vrrp::parse_track_file_value(*text) : 0;
  if (value == file.value) return;
  file.value = value;
  if (report) listener_(name, value);
}

void TrackFiles::on_changed() {
  // An event names a directory entry; re-reading every tracked file is
  // cheap (a few small files) and also covers a queue overflow.
  for (auto& [name, file] : files_) read(name, file, true);
}

}  // namespace lvsd::daemon
