#include "core/script.hpp"

#include <sys/stat.h>

namespace lvsd::core {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) words.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace

std::vector<std::string> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool escapable = quote != '\'' && c == '\\' && i + 1 < line.size();
    if (escapable) {
      word += line[++i];
      in_word = true;
    } else if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<Account> resolve_script_user(const ScriptPolicy& policy, const AccountLookup& lookup) {
  if (policy.user) {
    auto account = lookup.user(*policy.user);
    if (!account) return Error{"script user '" + *policy.user + "' does not exist"};
    if (policy.group) {
      auto gid = lookup.group(*policy.group);
      if (!gid) return Error{"script group '" + *policy.group + "' does not exist"};
      account->gid = *gid;
    }
    return *account;
  }
  if (auto account = lookup.user(std::string(kDefaultScriptUser))) return *account;
  if (policy.security) {
    return Error{"no script_user and default script user '" + std::string(kDefaultScriptUser) +
                 "' does not exist (required by enable_script_security)"};
  }
  return lookup.self;
}

bool is_executable(const FileInfo& file, const Account& who) {
  if (who.uid == 0) return (file.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (who.uid == file.uid) return (file.mode & S_IXUSR) != 0;
  if (who.gid == file.gid) return (file.mode & S_IXGRP) != 0;
  return (file.mode & S_IXOTH) != 0;
}

std::optional<std::string> find_in_path(const std::string& name, std::string_view path_env, const Account& who,
                                        const StatFn& stat_fn) {
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  // glibc's _CS_PATH, what execvp uses without PATH.
  if (path_env.empty()) path_env = "/bin:/usr/bin";
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) end = path_env.size();
    std::string dir(path_env.substr(start, end - start));
    // An empty entry is the current directory: never searched for a daemon.
    if (!dir.empty()) {
      std::string candidate = dir + (dir.back() == '/' ? "" : "/") + name;
      auto info = stat_fn(candidate);
      if (info && S_ISREG(info->mode) && is_executable(*info, who)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool needs_protection(const FileInfo& file, const Account& who) {
  return who.uid == 0 || who.gid == 0 ||
         (file.uid == 0 && (file.mode & S_IXUSR) != 0 && (file.mode & S_ISUID) != 0) ||
         (file.gid == 0 && (file.mode & S_IXGRP) != 0 && (file.mode & S_ISGID) != 0);
}

std::optional<std::string> unsafe_path_part(const std::string& path, const StatFn& lstat_fn) {
  if (path.empty() || path.front() != '/') return path + " (not an absolute path)";
  // "/", then each component in turn; "a//b" is "a/b".
  std::vector<std::string> parts{"/"};
  std::string prefix;
  for (const std::string& word : split_path(path)) {
    prefix += "/" + word;
    parts.push_back(prefix);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& name = parts[i];
    const bool last = i + 1 == parts.size();
    auto info = lstat_fn(name);
    if (!info) return name + " (cannot be read)";
    const bool dir = S_ISDIR(info->mode);
    if (!last && !dir) return name + " (not a directory)";
    if (last && !S_ISREG(info->mode) && !S_ISLNK(info->mode)) return name + " (not a regular file)";
    if (info->uid != 0) return name + " (owned by uid " + std::to_string(info->uid) + ")";
    // A sticky directory (/tmp) lets no one replace another's file: its write
    // bits are no risk. A symbolic link's own bits mean nothing.
    const bool exempt = (dir && (info->mode & S_ISVTX) != 0) || S_ISLNK(info->mode);
    const bool writable = (info->gid != 0 && (info->mode & S_IWGRP) != 0) || (info->mode & S_IWOTH) != 0;
    if (!exempt && writable) return name + " (writable by a non-root user)";
  }
  return std::nullopt;
}

}  // namespace lvsd::core
