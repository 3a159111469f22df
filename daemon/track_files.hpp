#pragma once
// The track_files (keepalived's track_file) that VRRP instances track, or
// (a second TrackFiles) those that real servers' FILE_CHECKs name: each
// file's number, read at apply() and again whenever the file changes. The
// loop's one DirectoryWatch follows the directories of the files (a file may
// be replaced by a rename, or appear later), so a file that both VRRP and a
// real server use is watched once; an event in a watched directory re-reads
// the files, and a changed number goes to the listener (the instances'
// vrrp::Instance::on_file, or HealthView::set_file_value).
// A missing file, one that is not a regular file, or one that holds no
// number reads as 0, as in keepalived. Files are small: at most 4 KiB is read.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "conf/config.hpp"

namespace lvsd::core {
class EventLoop;
}  // namespace lvsd::core

namespace lvsd::daemon {

class TrackFiles {
 public:
  using Listener = std::function<void(const std::string& name, long value)>;
  // Whose files apply() follows.
  enum class Users { kVrrpInstances, kRealServers };

  TrackFiles(core::EventLoop& loop, Listener listener, Users users = Users::kVrrpInstances);
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
  void on_changed();
  void read(const std::string& name, File& file, bool report);
  void watch(const std::string& directory);

  void unwatch_all();

  core::EventLoop& loop_;
  Listener listener_;
  Users users_;
  std::map<std::string, File> files_;                             // by name
  std::map<std::string, std::uint64_t> directories_;              // directory -> DirectoryWatch id
};

}  // namespace lvsd::daemon
