#include "conf/read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "core/unique_fd.hpp"

namespace lvsd::conf {
namespace {

std::string what_it_is(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a file";
}

core::Error not_regular(mode_t mode) {
  return core::Error{"is " + what_it_is(mode) + ", not a regular file"};
}

core::Error too_large(std::size_t max_bytes) {
  return core::Error{"is larger than " + describe_byte_limit(max_bytes) + " (the limit for one configuration file)"};
}

using Piece = std::function<void(std::string_view)>;
using SizeHint = std::function<void(std::size_t)>;

// Reads the opened regular file; does not close fd. size_hint (optional) is
// told the size the file reports, before the first piece.
core::Status read_open_file(int fd, std::size_t max_bytes, const Piece& piece, const SizeHint& size_hint) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return core::errno_error("cannot stat", errno);
  // Checked on the opened descriptor: the path may have been replaced since.
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  if (st.st_size > 0 && static_cast<std::size_t>(st.st_size) > max_bytes) return too_large(max_bytes);
  if (size_hint) size_hint(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)));
  // st_size can be stale (the file grows) or 0 (/proc): the read itself is
  // bounded too, asking for one byte past the limit to see that there is more.
  std::array<char, 64 * 1024> buffer;
  std::size_t total = 0;
  for (;;) {
    const std::size_t want = std::min(buffer.size(), max_bytes - total + 1);
    const ssize_t got = ::read(fd, buffer.data(), want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return core::errno_error("cannot read", errno);
    }
    if (got == 0) return {};
    total += static_cast<std::size_t>(got);
    if (total > max_bytes) return too_large(max_bytes);
    piece(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
  }
}

core::Status read_file(const std::string& path, std::size_t max_bytes, const Piece& piece, const SizeHint& size_hint) {
  // Looked at before opening so that a device is never opened (opening one
  // can have effects: a tape rewinds, a watchdog arms); the descriptor is
  // checked again after the open, which is what counts.
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  // O_NONBLOCK: if the path became a FIFO after the stat, the open does not
  // wait for a writer (and fstat then refuses it).
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) return core::errno_error("cannot open", errno);
  return read_open_file(fd.get(), max_bytes, piece, size_hint);
}

}  // namespace

core::Status read_regular_file(const std::string& path, std::size_t max_bytes, const Piece& piece) {
  return read_file(path, max_bytes, piece, nullptr);
}

core::Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes) {
  std::string bytes;
  // One allocation of the file's size: a large file is not held twice while a growing string moves.
  core::Status status = read_file(
      path, max_bytes, [&](std::string_view piece) { bytes.append(piece); },
      [&](std::size_t size) { bytes.reserve(std::min(size, max_bytes)); });
  if (!status) return status.error();
  return bytes;
}

std::string describe_byte_limit(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace lvsd::conf
