// The pure script rules (core/script.hpp): splitting, user resolution, PATH
// search and the enable_script_security path check, with the account
// database and stat results injected.
#include "core/script.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

namespace lvsd::core {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommandLine, BlanksSeparateQuotesAndBackslashesJoin) {
  EXPECT_EQ(split_command_line("/bin/logger -t lvsd  master"), (Words{"/bin/logger", "-t", "lvsd", "master"}));
  EXPECT_EQ(split_command_line("\t a\t"), (Words{"a"}));
  EXPECT_EQ(split_command_line("x 'a b' \"c d\""), (Words{"x", "a b", "c d"}));
  EXPECT_EQ(split_command_line("x 'it\\'s"), (Words{"x", "it\\s"}));  // single quotes: backslash is literal
  EXPECT_EQ(split_command_line("x \"a\\\"b\" c\\ d"), (Words{"x", "a\"b", "c d"}));
  EXPECT_EQ(split_command_line("x ''"), (Words{"x", ""}));  // an empty quoted word is a word
  EXPECT_EQ(split_command_line("a'b c'd"), (Words{"ab cd"}));
  EXPECT_TRUE(split_command_line("   ").empty());
  // No shell: these are plain words.
  EXPECT_EQ(split_command_line("echo $HOME > /tmp/x | y"), (Words{"echo", "$HOME", ">", "/tmp/x", "|", "y"}));
}

class ResolveScriptUser : public ::testing::Test {
 protected:
  std::map<std::string, Account> users_{{"nobody", {.uid = 65534, .gid = 65534, .name = "nobody"}},
                                        {"www-data", {.uid = 33, .gid = 33, .name = "www-data"}}};
  std::map<std::string, gid_t> groups_{{"nogroup", 65534}, {"adm", 4}};
  AccountLookup lookup() {
    return AccountLookup{
        .user = [this](const std::string& n) -> std::optional<Account> {
          auto it = users_.find(n);
          return it == users_.end() ? std::nullopt : std::optional<Account>(it->second);
        },
        .group = [this](const std::string& n) -> std::optional<gid_t> {
          auto it = groups_.find(n);
          return it == groups_.end() ? std::nullopt : std::optional<gid_t>(it->second);
        },
        .self = {.uid = 0, .gid = 0, .name = "root"},
    };
  }
};

TEST_F(ResolveScriptUser, ConfiguredUserAndGroup) {
  auto r = resolve_script_user({.user = "www-data", .group = {}, .security = false}, lookup());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (Account{.uid = 33, .gid = 33, .name = "www-data"}));
  r = resolve_script_user({.user = "www-data", .group = "adm", .security = false}, lookup());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->gid, 4u);
}

TEST_F(ResolveScriptUser, MissingUserOrGroupIsAnError) {
  auto r = resolve_script_user({.user = "ghost", .group = {}, .security = false}, lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "script user 'ghost' does not exist");
  r = resolve_script_user({.user = "nobody", .group = "ghosts", .security = false}, lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "script group 'ghosts' does not exist");
}

TEST_F(ResolveScriptUser, DefaultIsKeepalivedScriptThenOurselves) {
  auto r = resolve_script_user({}, lookup());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->uid, 0u);  // no keepalived_script: lvsd's own user
  users_["keepalived_script"] = {.uid = 999, .gid = 998, .name = "keepalived_script"};
  r = resolve_script_user({}, lookup());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Account{.uid = 999, .gid = 998, .name = "keepalived_script"}));
}

TEST_F(ResolveScriptUser, SecurityWithoutAnyScriptUserIsAnError) {
  auto r = resolve_script_user({.user = {}, .group = {}, .security = true}, lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("keepalived_script"), std::string::npos);
  users_["keepalived_script"] = {.uid = 999, .gid = 998, .name = "keepalived_script"};
  EXPECT_TRUE(resolve_script_user({.user = {}, .group = {}, .security = true}, lookup()).ok());
}

// A fake file system: path -> (mode, uid, gid).
class FakeFs {
 public:
  FakeFs& add(const std::string& path, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    files_[path] = FileInfo{.mode = mode, .uid = uid, .gid = gid};
    return *this;
  }
  StatFn fn() const {
    return [this](const std::string& p) -> std::optional<FileInfo> {
      auto it = files_.find(p);
      return it == files_.end() ? std::nullopt : std::optional<FileInfo>(it->second);
    };
  }

 private:
  std::map<std::string, FileInfo> files_;
};

constexpr mode_t kDir = S_IFDIR | 0755;
constexpr mode_t kExe = S_IFREG | 0755;
const Account kRoot{.uid = 0, .gid = 0, .name = "root"};
const Account kNobody{.uid = 65534, .gid = 65534, .name = "nobody"};

TEST(IsExecutable, OwnerGroupOtherBitsAsTheKernelChecksThem) {
  EXPECT_TRUE(is_executable({.mode = S_IFREG | 0100, .uid = 5, .gid = 5}, kRoot));  // root: any x bit
  EXPECT_FALSE(is_executable({.mode = S_IFREG | 0644, .uid = 5, .gid = 5}, kRoot));
  EXPECT_TRUE(is_executable({.mode = S_IFREG | 0100, .uid = 65534, .gid = 1}, kNobody));
  EXPECT_FALSE(is_executable({.mode = S_IFREG | 0011, .uid = 65534, .gid = 1}, kNobody));  // owner bit decides
  EXPECT_TRUE(is_executable({.mode = S_IFREG | 0010, .uid = 1, .gid = 65534}, kNobody));
  EXPECT_TRUE(is_executable({.mode = S_IFREG | 0001, .uid = 1, .gid = 1}, kNobody));
  EXPECT_FALSE(is_executable({.mode = S_IFREG | 0750, .uid = 1, .gid = 1}, kNobody));
}

TEST(FindInPath, FirstExecutableRegularFileInPathOrder) {
  FakeFs fs;
  fs.add("/usr/local/bin/logger", S_IFREG | 0644)  // not executable: skipped
      .add("/usr/bin/logger", kExe)
      .add("/bin/logger", kExe)
      .add("/sbin/tool", S_IFDIR | 0755);
  EXPECT_EQ(find_in_path("logger", "/usr/local/bin:/usr/bin/:/bin", kRoot, fs.fn()), "/usr/bin/logger");
  EXPECT_EQ(find_in_path("logger", "/bin", kRoot, fs.fn()), "/bin/logger");
  EXPECT_EQ(find_in_path("logger", "", kRoot, fs.fn()), "/bin/logger");  // no PATH: /bin:/usr/bin
  EXPECT_EQ(find_in_path("tool", "/sbin", kRoot, fs.fn()), std::nullopt);  // a directory
  EXPECT_EQ(find_in_path("missing", "/usr/bin:/bin", kRoot, fs.fn()), std::nullopt);
  EXPECT_EQ(find_in_path("logger", ":/nowhere:", kRoot, fs.fn()), std::nullopt);  // empty entries: not the cwd
  EXPECT_EQ(find_in_path("./logger", "/bin", kRoot, fs.fn()), std::nullopt);       // has a slash: no search
}

TEST(NeedsProtection, RootOrSetIdRoot) {
  const FileInfo plain{.mode = S_IFREG | 0755, .uid = 0, .gid = 0};
  EXPECT_TRUE(needs_protection(plain, kRoot));
  EXPECT_TRUE(needs_protection(plain, Account{.uid = 65534, .gid = 0, .name = "x"}));  // group root
  EXPECT_FALSE(needs_protection(plain, kNobody));
  EXPECT_TRUE(needs_protection({.mode = S_IFREG | S_ISUID | 0755, .uid = 0, .gid = 0}, kNobody));
  EXPECT_TRUE(needs_protection({.mode = S_IFREG | S_ISGID | 0755, .uid = 5, .gid = 0}, kNobody));
  EXPECT_FALSE(needs_protection({.mode = S_IFREG | S_ISUID | 0755, .uid = 5, .gid = 5}, kNobody));
}

TEST(UnsafePathPart, RootOwnedAndNotWritableByOthersIsSafe) {
  FakeFs fs;
  fs.add("/", kDir).add("/etc", kDir).add("/etc/lvsd", kDir).add("/etc/lvsd/up.sh", kExe);
  EXPECT_EQ(unsafe_path_part("/etc/lvsd/up.sh", fs.fn()), std::nullopt);
  EXPECT_EQ(unsafe_path_part("//etc//lvsd/up.sh", fs.fn()), std::nullopt);
  // Group-writable by root's group is still safe.
  fs.add("/etc/lvsd/up.sh", S_IFREG | 0775, 0, 0);
  EXPECT_EQ(unsafe_path_part("/etc/lvsd/up.sh", fs.fn()), std::nullopt);
}

// Issue #17: a 0777 script in a 1777 directory ran as root.
TEST(UnsafePathPart, WorldWritableScriptInStickyDirectory) {
  FakeFs fs;
  fs.add("/", kDir).add("/tmp", S_IFDIR | 01777).add("/tmp/up.sh", S_IFREG | 0777);
  EXPECT_EQ(unsafe_path_part("/tmp/up.sh", fs.fn()), "/tmp/up.sh (writable by a non-root user)");
  // The sticky directory itself is fine: a root-owned 0755 script in it is safe.
  fs.add("/tmp/up.sh", kExe);
  EXPECT_EQ(unsafe_path_part("/tmp/up.sh", fs.fn()), std::nullopt);
}

TEST(UnsafePathPart, EachPartIsChecked) {
  FakeFs fs;
  fs.add("/", kDir).add("/opt", S_IFDIR | 0777).add("/opt/up.sh", kExe);
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/opt (writable by a non-root user)");
  fs.add("/opt", kDir, 1000);
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/opt (owned by uid 1000)");
  fs.add("/opt", S_IFDIR | 0775, 0, 50);  // a non-root group may write
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/opt (writable by a non-root user)");
  fs.add("/opt", kDir).add("/opt/up.sh", kExe, 1000);
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/opt/up.sh (owned by uid 1000)");
  fs.add("/", S_IFDIR | 0777).add("/opt/up.sh", kExe);
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/ (writable by a non-root user)");
}

TEST(UnsafePathPart, TypesAndMissingParts) {
  FakeFs fs;
  fs.add("/", kDir).add("/opt", S_IFREG | 0755).add("/dev", kDir).add("/dev/fifo", S_IFIFO | 0600);
  EXPECT_EQ(unsafe_path_part("/opt/up.sh", fs.fn()), "/opt (not a directory)");
  EXPECT_EQ(unsafe_path_part("/dev/fifo", fs.fn()), "/dev/fifo (not a regular file)");
  EXPECT_EQ(unsafe_path_part("/nowhere/up.sh", fs.fn()), "/nowhere (cannot be read)");
  EXPECT_EQ(unsafe_path_part("up.sh", fs.fn()), "up.sh (not an absolute path)");
  // A root-owned symbolic link's 0777 bits mean nothing (its target is checked separately).
  fs.add("/usr", kDir).add("/usr/up", S_IFLNK | 0777);
  EXPECT_EQ(unsafe_path_part("/usr/up", fs.fn()), std::nullopt);
}

}  // namespace
}  // namespace lvsd::core
