#include "control/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"

namespace lvsd::control {

namespace {

core::Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return core::Error{"control socket path '" + path + "' is empty or longer than " +
                       std::to_string(sizeof addr.sun_path - 1) + " bytes"};
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// True when some process accepts connections on the socket file.
bool someone_listens(const sockaddr_un& addr) {
  const core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

core::Status prepare_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  const std::string dir = path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return core::errno_error("mkdir " + dir, errno);
  return {};
}

core::Status remove_stale(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return core::errno_error("stat " + path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) return core::Error{path + " exists and is not a socket; not replacing it"};
  if (someone_listens(addr)) return core::Error{path + ": another process (another lvsd?) is listening on it"};
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return core::errno_error("unlink stale " + path, errno);
  core::log::get()->info("control: replaced the stale socket {}", path);
  return {};
}

}  // namespace

core::Result<core::UniqueFd> listen_unix(const std::string& path, unsigned mode) {
  auto addr = unix_address(path);
  if (!addr.ok()) return addr.error();
  if (auto st = prepare_directory(path); !st.ok()) return st.error();
  if (auto st = remove_stale(path, *addr); !st.ok()) return st.error();
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return core::errno_error("socket(AF_UNIX)", errno);
  // The file gets its mode at bind time from the umask: make it never wider
  // than `mode`, then set it exactly.
  const mode_t old_umask = ::umask(static_cast<mode_t>(~mode & 0777));
  const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  const int bind_errno = errno;
  ::umask(old_umask);
  if (rc != 0) {
    return core::errno_error("bind " + path, bind_errno);
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0 || ::listen(fd.get(), 16) != 0) {
    const int err = errno;
    fd.reset();
    ::unlink(path.c_str());
    return core::errno_error("listen " + path, err);
  }
  return fd;
}

core::Result<std::unique_ptr<ControlServer>> ControlServer::open(core::EventLoop& loop, ControlServerOptions options,
                                                                 ControlHandlers handlers) {
  if (options.stream.busy_message.empty()) {
    options.stream.busy_message = encode_reply(error_reply("too many control clients connected; try again")) + "\n";
  }
  auto fd = listen_unix(options.path, 0600);
  if (!fd.ok()) return fd.error().context("control socket");
  std::unique_ptr<ControlServer> server(new ControlServer(options.path, std::move(handlers)));
  struct stat st {};
  if (::stat(options.path.c_str(), &st) == 0) {
    server->dev_ = st.st_dev;
    server->ino_ = st.st_ino;
  }
  ControlServer* self = server.get();
  server->stream_ = std::make_unique<StreamServer>(
      loop, std::move(*fd), options.stream,
      [self](std::string& input, std::string& output, bool eof) { return self->on_input(input, output, eof); },
      "control socket");
  core::log::get()->info("control: listening on {}", options.path);
  return server;
}

ControlServer::~ControlServer() {
  stream_.reset();
  // Only our own file: a newer lvsd may have replaced it meanwhile.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

SessionNext ControlServer::on_input(std::string& input, std::string& output, bool eof) {
  auto answer_now = [&](const Reply& reply) {
    ++requests_;
    ++error_replies_;
    output += encode_reply(reply);
    output += '\n';
  };
  const auto newline = input.find('\n');
  std::string line;
  SessionNext after = SessionNext::kContinue;
  if (newline == std::string::npos) {
    if (input.size() > kMaxRequestBytes) {
      answer_now(error_reply("request longer than " + std::to_string(kMaxRequestBytes) + " bytes; closing"));
      input.clear();
      return SessionNext::kClose;
    }
    if (!eof || input.empty()) return SessionNext::kContinue;
    // The peer closed its side after a last request without '\n'.
    line = std::move(input);
    input.clear();
    after = SessionNext::kClose;
  } else {
    line = input.substr(0, newline);
    input.erase(0, newline + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) return SessionNext::kContinue;  // blank line
    if (line.size() > kMaxRequestBytes) {
      answer_now(error_reply("request longer than " + std::to_string(kMaxRequestBytes) + " bytes; closing"));
      input.clear();
      return SessionNext::kClose;
    }
  }
  // Every reply goes through the stream server's complete(): most are made
  // at once (it takes them as this session's output), status and reload
  // later (their work runs off the loop).
  const std::uint64_t client = stream_->current_client();
  ++requests_;
  dispatch(handlers_, line, [client, after, alive = std::weak_ptr<bool>(alive_), this](std::string reply, bool ok) {
    if (alive.expired()) return;
    if (!ok) ++error_replies_;
    reply += '\n';
    stream_->complete(client, std::move(reply), after);
  });
  return SessionNext::kWait;
}

}  // namespace lvsd::control
