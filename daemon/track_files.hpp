#pragma once
// The track_files (keepalived's track_file) that VRRP instances track: each
// file's number, read at apply() and again whenever the file changes. One
// inotify descriptor on the loop watches the directories of the files
// (a file may be replaced by a rename, or appear later); an event in a
// watched directory re-reads the files there, and a changed number goes to
// the listener, which hands it to the instances (vrrp::Instance::on_file).
// A missing file, one that is not a regular file, or one that holds no
// number reads as 0, as in keepalived. Files are small: at most 4 KiB is read.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "conf/config.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::core {
class EventLoop;
class IoWatcher;
}  // namespace lvsd::core

namespace lvsd::daemon {

class TrackFiles {
 public:
  using Listener = std::function<void(const std::string& name, long value)>;

  TrackFiles(core::EventLoop& loop, Listener listener);
  ~TrackFiles();
  TrackFiles(const TrackFiles&) = delete;
  TrackFiles& operator=(const TrackFiles&) = delete;

  // Start and reload: writes init_file values, reads every file, watches
  // their directories. A file whose number changed is reported.
  void apply(const conf::Config& config);
  // The number last read (0 for an unknown name).
  long value(const std::string& name) const;

 private:
  struct File {
    std::string path;
    long value = 0;
  };
  void on_readable();
  void read(const std::string& name, File& file, bool report);
  void watch(const std::string& directory);

  core::EventLoop& loop_;
  Listener listener_;
  core::UniqueFd inotify_;
  std::unique_ptr<core::IoWatcher> watcher_;
  std::map<std::string, File> files_;       // by name
  std::map<int, std::string> directories_;  // inotify watch descriptor -> directory
};

}  // namespace lvsd::daemon
