// core::log (spdlog): level names, filtering, the console and journal line
// formats (read back from stderr redirected to a file), the journal detected
// from $JOURNAL_STREAM, one write(2) per line, and test captures.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::core::log {
namespace {

// Sends fd 2 to a temporary file while it lives; text() reads what was written.
class StderrToFile {
 public:
  StderrToFile() : file_(std::tmpfile()), saved_(::dup(2)) { ::dup2(fileno(file_), 2); }
  ~StderrToFile() {
    ::dup2(saved_.get(), 2);
    saved_.reset();
    std::fclose(file_);
  }
  std::string text() const {
    std::string out;
    char buf[512];
    ssize_t n = 0;
    off_t at = 0;
    while ((n = ::pread(fileno(file_), buf, sizeof buf, at)) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

 private:
  std::FILE* file_;
  UniqueFd saved_;
};

TEST(Log, LevelNamesParseAndUnknownOnesAreRefused) {
  EXPECT_EQ(level_from_string("trace"), Level::trace);
  EXPECT_EQ(level_from_string("debug"), Level::debug);
  EXPECT_EQ(level_from_string("info"), Level::info);
  EXPECT_EQ(level_from_string("warn"), Level::warn);
  EXPECT_EQ(level_from_string("warning"), Level::warn);
  EXPECT_EQ(level_from_string("error"), Level::err);
  EXPECT_EQ(level_from_string("err"), Level::err);
  EXPECT_EQ(level_from_string("critical"), Level::critical);
  EXPECT_EQ(level_from_string("off"), Level::off);
  EXPECT_EQ(level_from_string("INFO"), std::nullopt);
  EXPECT_EQ(level_from_string(""), std::nullopt);
  EXPECT_EQ(level_name(Level::warn), "warning");
  EXPECT_EQ(level_name(Level::err), "error");
}

TEST(Log, ConsoleLineHasTimestampLevelAndFormattedText) {
  init({.level = "info", .target = Options::Target::kConsole});
  StderrToFile err;
  get()->info("{}: {} of {} up ({:.1f}%)", "vs 10.0.0.1:80", 3, std::string("4"), 75.0);
  get()->debug("not at info");
  get()->warn("second");
  const std::string text = err.text();
  const std::regex line(
      R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[info\] vs 10\.0\.0\.1:80: 3 of 4 up \(75\.0%\)\n)"
      R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[warning\] second\n)");
  EXPECT_TRUE(std::regex_match(text, line)) << text;
}

TEST(Log, JournalLinesCarryTheSyslogPriorityOnly) {
  init({.level = "debug", .target = Options::Target::kJournal});
  {
    StderrToFile err;
    get()->debug("d");
    get()->info("i");
    get()->warn("w");
    get()->error("e {}", 1);
    get()->critical("c");
    EXPECT_EQ(err.text(), "<7>d\n<6>i\n<4>w\n<3>e 1\n<2>c\n");
  }
  init({.level = "info", .target = Options::Target::kConsole});
}

// Sets $JOURNAL_STREAM while it lives (unset before and after).
class JournalStream {
 public:
  explicit JournalStream(const std::string& value) { ::setenv("JOURNAL_STREAM", value.c_str(), 1); }
  ~JournalStream() { ::unsetenv("JOURNAL_STREAM"); }
  JournalStream(const JournalStream&) = delete;
  JournalStream& operator=(const JournalStream&) = delete;
};

std::string device_inode_of_stderr() {
  struct stat st {};
  if (::fstat(2, &st) != 0) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(Log, TheJournalIsDetectedWhenJournalStreamNamesStderr) {
  {
    StderrToFile err;
    const JournalStream stream(device_inode_of_stderr());
    EXPECT_TRUE(stderr_is_journal());
    init({.level = "info"});
    get()->warn("w");
    EXPECT_EQ(err.text(), "<4>w\n");
  }
  {
    StderrToFile err;
    const JournalStream stream("1:1");  // another file: stderr is not the journal
    EXPECT_FALSE(stderr_is_journal());
    init({.level = "info"});
    get()->warn("w");
    EXPECT_TRUE(std::regex_match(err.text(), std::regex(R"(\d{4}-.* \[warning\] w\n)"))) << err.text();
  }
  init({.level = "info", .target = Options::Target::kConsole});
}

// Each line leaves in one write(2): with a datagram socket as stderr every
// write is one datagram, so a line split over writes would arrive in pieces.
TEST(Log, EachLineIsOneWrite) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  const UniqueFd reader(pair[0]), writer(pair[1]);
  const UniqueFd saved(::dup(2));
  ::dup2(writer.get(), 2);
  init({.level = "info", .target = Options::Target::kConsole});
  const std::string long_text(3000, 'x');
  get()->info("{} and {}", "short", long_text);
  get()->error("second line");
  ::dup2(saved.get(), 2);
  std::vector<std::string> datagrams;
  char buf[8192];
  ssize_t n = 0;
  while ((n = ::recv(reader.get(), buf, sizeof buf, MSG_DONTWAIT)) > 0) datagrams.emplace_back(buf, static_cast<std::size_t>(n));
  ASSERT_EQ(datagrams.size(), 2u);
  EXPECT_TRUE(datagrams[0].ends_with("[info] short and " + long_text + "\n")) << datagrams[0].substr(0, 80);
  EXPECT_TRUE(datagrams[1].ends_with("[error] second line\n")) << datagrams[1];
}

TEST(Log, LevelFiltersAndOffSilencesEverything) {
  init({.level = "error", .target = Options::Target::kConsole});
  EXPECT_FALSE(get()->should_log(Level::warn));
  EXPECT_TRUE(get()->should_log(Level::err));
  EXPECT_TRUE(get()->should_log(Level::critical));
  init({.level = "off", .target = Options::Target::kConsole});
  EXPECT_FALSE(get()->should_log(Level::critical));
  {
    StderrToFile err;
    get()->critical("nothing");
    EXPECT_EQ(err.text(), "");
  }
  init({.level = "info", .target = Options::Target::kConsole});
}

TEST(Log, CaptureKeepsMessagesAtItsLevelAndDropsTheOldest) {
  init({.level = "debug", .target = Options::Target::kConsole});
  StderrToFile err;  // keep the test's output quiet
  Capture all(Level::trace, 2);
  {
    Capture warnings(Level::warn);
    get()->debug("one");
    get()->warn("two {}", 2);
    get()->info("three");
    EXPECT_EQ(warnings.lines(), std::vector<std::string>{"two 2"});
    EXPECT_EQ(warnings.text(), "two 2\n");
  }
  get()->error("four");  // the destroyed capture is no longer called
  EXPECT_EQ(all.lines(), (std::vector<std::string>{"three", "four"}));
  init({.level = "info", .target = Options::Target::kConsole});
}

}  // namespace
}  // namespace lvsd::core::log
