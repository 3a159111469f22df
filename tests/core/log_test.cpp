// core::log: level names, filtering, the console and journal line formats
// (read back from stderr redirected to a file) and test captures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

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

TEST(Log, LevelFiltersAndOffSilencesEverything) {
  init({.level = "error", .target = Options::Target::kConsole});
  EXPECT_FALSE(get()->should_log(Level::warn));
  EXPECT_TRUE(get()->should_log(Level::err));
  EXPECT_TRUE(get()->should_log(Level::critical));
  init({.level = "off", .target = Options::Target::kConsole});
  EXPECT_FALSE(get()->should_log(Level::critical));
  EXPECT_FALSE(get()->should_log(Level::off));
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
