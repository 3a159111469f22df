// Reading configuration files: only regular files, never more than a limit,
// and a FIFO never blocks (issue #17 defect 3); for keepalived.conf the same
// rules hold for every include, placed at the include directive, and an
// include of a plain path that does not exist is refused (issue #14).
#include "conf/read_file.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>

#include "conf/keepalived_import.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/loader.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::conf {
namespace {

namespace fs = std::filesystem;

class ReadFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-read-file-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    socket_.reset();
    fs::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }
  // A file that says it holds `size` bytes without using the disk for them.
  std::string sparse(const std::string& name, std::size_t size) const {
    const core::UniqueFd fd(::open(path(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    EXPECT_TRUE(fd);
    EXPECT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0);
    return path(name);
  }
  std::string fifo(const std::string& name) const {
    EXPECT_EQ(::mkfifo(path(name).c_str(), 0600), 0) << std::strerror(errno);
    return path(name);
  }
  std::string unix_socket(const std::string& name) {
    socket_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_TRUE(socket_);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path(name).c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    return path(name);
  }

  // Runs f on another thread; a FIFO that blocks it is unblocked by opening
  // the writing end, and the test fails instead of hanging.
  template <typename F>
  auto without_blocking(const std::string& fifo_path, F f) {
    auto done = std::async(std::launch::async, f);
    if (done.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) {
      ADD_FAILURE() << "blocked on the FIFO " << fifo_path;
      const core::UniqueFd writer(::open(fifo_path.c_str(), O_WRONLY | O_CLOEXEC));
    }
    return done.get();
  }

  std::string dir_;
  core::UniqueFd socket_;
};

std::string message_of(const FileContent& content) { return content.error ? content.error->message : "(read)"; }

TEST_F(ReadFile, RegularFileIsReadWhole) {
  std::string text;
  while (text.size() < 3 * 64 * 1024 + 7) text += "# a comment line of the configuration\n";
  FileContent content = read_config_file(write("big.yaml", text));
  ASSERT_FALSE(content.error) << message_of(content);
  EXPECT_EQ(content.bytes, text);
  EXPECT_FALSE(read_config_file(write("empty.yaml", "")).error);
}

TEST_F(ReadFile, WhatIsNotARegularFileIsRefusedByName) {
  struct Case {
    std::string path;
    std::string what;
  };
  const std::vector<Case> cases = {{dir_, "is a directory, not a regular file"},
                                   {"/dev/zero", "is a character device, not a regular file"},
                                   {fifo("pipe"), "is a FIFO (named pipe), not a regular file"},
                                   {unix_socket("sock"), "is a socket, not a regular file"}};
  for (const auto& c : cases) {
    FileContent content = without_blocking(c.path, [&] { return read_config_file(c.path); });
    ASSERT_TRUE(content.error) << c.path;
    EXPECT_EQ(content.error->location, (Location{.file = c.path})) << c.path;
    EXPECT_EQ(content.error->message, c.what) << c.path;
    EXPECT_EQ(format_error(*content.error), c.path + ": " + c.what);
    EXPECT_TRUE(content.bytes.empty());
  }
}

TEST_F(ReadFile, LoadFileOfADirectoryOrADeviceIsAnErrorNotACrash) {
  for (const std::string& p : {dir_, std::string("/dev/zero")}) {
    LoadResult r = load_file(p);
    ASSERT_EQ(r.errors.size(), 1u) << p;
    EXPECT_FALSE(r.config);
    EXPECT_EQ(r.errors[0].location.file, p);
    EXPECT_NE(r.errors[0].message.find("not a regular file"), std::string::npos) << r.errors[0].message;
  }
  const std::string pipe = fifo("lvsd.conf");
  LoadResult r = without_blocking(pipe, [&] { return load_file(pipe); });
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("FIFO"), std::string::npos);
}

TEST_F(ReadFile, FileOverTheLimitIsRefusedWithoutReadingIt) {
  FileContent over = read_config_file(sparse("over.yaml", kMaxConfigFileBytes + 1));
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->message, "is larger than 32 MiB (the limit for one configuration file)");
  EXPECT_TRUE(over.bytes.empty());
  // Refused on the size the opened file reports: not one piece is read.
  std::size_t pieces = 0;
  EXPECT_FALSE(read_regular_file(path("over.yaml"), kMaxConfigFileBytes, [&](std::string_view) { ++pieces; }).ok());
  EXPECT_EQ(pieces, 0u);
  // At the limit: read.
  FileContent at = read_config_file(sparse("at.yaml", kMaxConfigFileBytes));
  ASSERT_FALSE(at.error) << message_of(at);
  EXPECT_EQ(at.bytes.size(), kMaxConfigFileBytes);
}

TEST_F(ReadFile, TheReadItselfStopsAtTheLimit) {
  // /proc files report size 0 and have more: like a file that grows after
  // fstat, only the read can see it.
  struct stat st{};
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_EQ(st.st_size, 0);
  auto whole = read_regular_file("/proc/self/status", kMaxConfigFileBytes);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  ASSERT_GT(whole->size(), 100u);
  auto cut = read_regular_file("/proc/self/status", 100);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message, "is larger than 100 bytes (the limit for one configuration file)");
  // The limit is exact.
  const std::string hundred = write("hundred", std::string(100, 'x'));
  EXPECT_TRUE(read_regular_file(hundred, 100).ok());
  EXPECT_FALSE(read_regular_file(hundred, 99).ok());
  std::size_t pieces = 0, bytes = 0;
  EXPECT_FALSE(read_regular_file("/proc/self/status", 100, [&](std::string_view p) {
                 ++pieces;
                 bytes += p.size();
               }).ok());
  EXPECT_LE(bytes, 100u);
}

TEST_F(ReadFile, UnchangedCheckRefusesWhatIsNotARegularFile) {
  const std::string pipe = fifo("lvsd.yaml");
  const ContentDigest empty = content_digest("");
  EXPECT_FALSE(without_blocking(pipe, [&] { return yaml_file_unchanged(pipe, empty); }));
  EXPECT_FALSE(yaml_file_unchanged(dir_, empty));
  EXPECT_FALSE(yaml_file_unchanged("/dev/null", empty));
}

TEST_F(ReadFile, KeepalivedMainFileFollowsTheSameRules) {
  EXPECT_NE(import_keepalived_file(dir_).errors.at(0).message.find("is a directory"), std::string::npos);
  const std::string pipe = fifo("keepalived.conf");
  LoadResult r = without_blocking(pipe, [&] { return import_keepalived_file(pipe); });
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].location, (Location{.file = pipe}));
}

// Includes: each refused at the include directive (file:line:column), naming the file.
TEST_F(ReadFile, IncludeOfWhatIsNotARegularFileIsRefusedAtTheDirective) {
  fs::create_directories(path("conf.d"));
  struct Case {
    std::string target;
    std::string message;
  };
  const std::vector<Case> cases = {
      {path("conf.d"), "include '" + path("conf.d") + "': is a directory, not a regular file"},
      {"/dev/zero", "include '/dev/zero': is a character device, not a regular file"},
      {fifo("pipe.conf"), "include '" + path("pipe.conf") + "': is a FIFO (named pipe), not a regular file"},
      {unix_socket("sock"), "include '" + path("sock") + "': is a socket, not a regular file"},
      {sparse("huge.conf", kMaxConfigFileBytes + 1),
       "include '" + path("huge.conf") + "': is larger than 32 MiB (the limit for one configuration file)"},
      {path("missing.conf"), "include '" + path("missing.conf") + "': cannot open: No such file or directory"},
  };
  for (const auto& c : cases) {
    const std::string main = write("keepalived.conf", "global_defs {\n  router_id A\n}\n  include " + c.target + "\n");
    LoadResult r = without_blocking(c.target, [&] { return import_keepalived_file(main); });
    ASSERT_EQ(r.errors.size(), 1u) << c.target;
    EXPECT_FALSE(r.config);
    EXPECT_EQ(r.errors[0].location, (Location{.file = main, .line = 4, .column = 3})) << c.target;
    EXPECT_EQ(r.errors[0].message, c.message);
  }
}

TEST_F(ReadFile, IncludeByRelativeNameThatDoesNotExistIsRefused) {
  // A missing plain name used to load the rest and report OK: half a configuration.
  const std::string main = write("keepalived.conf", "include vs.conf\nglobal_defs { router_id A }\n");
  LoadResult r = load_file(main);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_error(r.errors[0]),
            main + ":1:1: include: include '" + path("vs.conf") + "': cannot open: No such file or directory");
  write("vs.conf", "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 { weight 2 }\n}\n");
  r = load_file(main);
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  EXPECT_EQ(r.config->virtual_servers.size(), 1u);
}

TEST_F(ReadFile, GlobThatMatchesNothingIsAWarning) {
  fs::create_directories(path("conf.d"));
  const std::string main = write("keepalived.conf", "global_defs { router_id A }\n include conf.d/*.conf\n");
  LoadResult r = load_file(main);
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(format_error(r.warnings[0]),
            main + ":2:2: include: include 'conf.d/*.conf' matches no file: nothing included");
  // Nor is a glob in a directory that does not exist (an error until now).
  const std::string other = write("other.conf", "global_defs { router_id A }\ninclude no-dir/*.conf\n");
  r = load_file(other);
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].location, (Location{.file = other, .line = 2, .column = 1}));
  // A glob that matches a directory refuses it like a plain name.
  fs::create_directories(path("conf.d/sub.conf"));
  r = load_file(main);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("sub.conf': is a directory"), std::string::npos) << r.errors[0].message;
}

TEST_F(ReadFile, IncludedFilesShareOneBudget) {
  write("a.conf", "# 12 bytes.\n");
  write("b.conf", "# 12 bytes.\n");
  auto reader = filesystem_include_reader();
  const std::string main = path("keepalived.conf");
  auto both = reader("*.conf", main, 24);
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->size(), 2u);
  auto over = reader("*.conf", main, 23);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message,
            "include '" + path("b.conf") + "': the configuration's files add up to more than 64 MiB");
}

TEST_F(ReadFile, IncludedFilesTogetherOverTheLoadLimitAreRefused) {
  // Two files under the one-file limit whose sum is over the load limit:
  // refused at the include that crosses it, before its file is parsed.
  sparse("1.conf", kMaxConfigFileBytes);
  sparse("2.conf", kMaxConfigFileBytes);
  const std::string main = write("keepalived.conf", "include 1.conf\ninclude 2.conf\n");
  KaParseResult r = parse_keepalived("include 1.conf\ninclude 2.conf\n", main, filesystem_include_reader());
  ASSERT_FALSE(r.errors.empty());
  const ConfigError& last = r.errors.back();
  EXPECT_EQ(last.location, (Location{.file = main, .line = 2, .column = 1}));
  EXPECT_NE(last.message.find("add up to more than 64 MiB"), std::string::npos) << last.message;
}

}  // namespace
}  // namespace lvsd::conf
