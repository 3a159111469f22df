#include "daemon/process_tracker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

#include "core/log.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::daemon {

namespace {

// A /proc pseudo file: at most `limit` bytes; nullopt when it cannot be read.
std::optional<std::string> read_small(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  core::UniqueFd closer(fd);
  std::string out(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::read(fd, out.data() + got, limit - got);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

// keepalived reads no more of a command line than it compares; 4 KiB is far above any configured one.
constexpr std::size_t kMaxCmdline = 4096;

}  // namespace

std::vector<pid_t> ProcFs::pids() {
  std::vector<pid_t> out;
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    pid_t pid = 0;
    const auto end = name + std::char_traits<char>::length(name);
    if (auto [p, ec] = std::from_chars(name, end, pid); ec == std::errc() && p == end) out.push_back(pid);
  }
  ::closedir(dir);
  return out;
}

std::optional<ProcessIdentity> ProcFs::identity(pid_t pid, bool with_cmdline) {
  const std::string base = root_ + "/" + std::to_string(pid);
  auto stat = read_small(base + "/stat", 512);
  if (!stat) return std::nullopt;
  auto fields = parse_proc_stat(*stat);
  if (!fields || fields->state == 'Z' || fields->state == 'X') return std::nullopt;
  ProcessIdentity id{.comm = std::move(fields->comm)};
  if (with_cmdline) {
    auto raw = read_small(base + "/cmdline", kMaxCmdline);
    if (!raw) return std::nullopt;
    id.argv = split_cmdline(*raw);
  }
  return id;
}

struct ProcessTracker::Tracked {
  conf::TrackProcess spec;
  std::set<pid_t> pids;
  std::unique_ptr<ProcessQuorum> quorum;  // unset until the first count
};

ProcessTracker::ProcessTracker(core::Scheduler& scheduler, ProcReader& reader, Listener listener)
    : scheduler_(scheduler), reader_(reader), listener_(std::move(listener)) {}

ProcessTracker::~ProcessTracker() = default;

void ProcessTracker::set_specs(const std::vector<conf::TrackProcess>& specs) {
  std::map<std::string, std::unique_ptr<Tracked>> next;
  for (const auto& spec : specs) {
    auto it = tracked_.find(spec.name);
    if (it != tracked_.end() && it->second->spec == spec) {
      next.emplace(spec.name, std::move(it->second));
      continue;
    }
    auto t = std::make_unique<Tracked>();
    t->spec = spec;
    next.emplace(spec.name, std::move(t));
  }
  tracked_ = std::move(next);
}

bool ProcessTracker::cmdline_needed() const {
  for (const auto& [name, t] : tracked_)
    if (t->spec.matches_command_line()) return true;
  return false;
}

void ProcessTracker::recount(Tracked& t, ProcessQuorum::Cause cause) {
  if (t.quorum) {
    t.quorum->set_count(t.pids.size(), cause);
    return;
  }
  const std::string name = t.spec.name;
  t.quorum = std::make_unique<ProcessQuorum>(scheduler_, ProcessQuorum::settings_of(t.spec), t.pids.size(),
                                             [this, name](bool up) {
    core::log::get()->info("track_process {}: {}", name, up ? "quorum gained" : "quorum lost");
    if (listener_) listener_(name, up);
  });
}

void ProcessTracker::rescan() {
  if (tracked_.empty()) return;
  const bool with_cmdline = cmdline_needed();
  std::map<std::string, std::set<pid_t>> found;
  for (pid_t pid : reader_.pids()) {
    auto id = reader_.identity(pid, with_cmdline);
    if (!id) continue;
    for (const auto& [name, t] : tracked_)
      if (process_matches(t->spec, *id)) found[name].insert(pid);
  }
  for (auto& [name, t] : tracked_) {
    t->pids = std::move(found[name]);
    recount(*t, ProcessQuorum::Cause::kScan);
  }
}

void ProcessTracker::on_event(const ProcEvent& event) {
  if (tracked_.empty()) return;
  switch (event.kind) {
    case ProcEvent::Kind::kFork:
      // A child runs its parent's program until it execs: it counts as its parent does.
      for (auto& [name, t] : tracked_) {
        if (!t->pids.contains(event.parent) || !t->pids.insert(event.pid).second) continue;
        recount(*t, ProcessQuorum::Cause::kFork);
      }
      break;
    case ProcEvent::Kind::kExec: {
      auto id = reader_.identity(event.pid, cmdline_needed());
      for (auto& [name, t] : tracked_) {
        const bool matches = id && process_matches(t->spec, *id);
        const bool changed = matches ? t->pids.insert(event.pid).second : t->pids.erase(event.pid) > 0;
        if (changed) recount(*t, ProcessQuorum::Cause::kExec);
      }
      break;
    }
    case ProcEvent::Kind::kComm:
      // Only the name changed: the command line is what it was.
      for (auto& [name, t] : tracked_) {
        if (t->spec.matches_command_line()) continue;
        const bool matches = event.comm == t->spec.process;
        const bool changed = matches ? t->pids.insert(event.pid).second : t->pids.erase(event.pid) > 0;
        if (changed) recount(*t, ProcessQuorum::Cause::kRename);
      }
      break;
    case ProcEvent::Kind::kExit:
      for (auto& [name, t] : tracked_)
        if (t->pids.erase(event.pid) > 0) recount(*t, ProcessQuorum::Cause::kExit);
      break;
  }
}

std::optional<bool> ProcessTracker::up(const std::string& name) const {
  auto it = tracked_.find(name);
  if (it == tracked_.end() || !it->second->quorum) return std::nullopt;
  return it->second->quorum->up();
}

std::vector<TrackedProcessStatus> ProcessTracker::statuses() const {
  std::vector<TrackedProcessStatus> out;
  for (const auto& [name, t] : tracked_) {
    const auto settings = ProcessQuorum::settings_of(t->spec);
    out.push_back({.name = name,
                   .process = t->spec.process,
                   .processes = t->pids.size(),
                   .quorum = settings.min,
                   .quorum_max = settings.max,
                   .up = t->quorum && t->quorum->up(),
                   .delaying = t->quorum && t->quorum->delaying()});
  }
  return out;
}

}  // namespace lvsd::daemon
