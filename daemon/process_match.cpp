#include "daemon/process_match.hpp"

namespace lvsd::daemon {

namespace {

bool parameters_match(const conf::TrackProcess& spec, const std::vector<std::string>& argv) {
  const std::vector<std::string>& want = spec.parameters;
  const std::size_t have = argv.empty() ? 0 : argv.size() - 1;  // words after the first
  auto word = [&](std::size_t i) -> const std::string& { return argv[i + 1]; };
  const conf::ParamMatch match = spec.param_match.value_or(conf::ParamMatch::kExact);
  if (match == conf::ParamMatch::kExact) {
    if (have != want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i)
      if (word(i) != want[i]) return false;
    return true;
  }
  if (have < want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const bool last = i + 1 == want.size();
    if (match == conf::ParamMatch::kInitial && last) {
      if (!word(i).starts_with(want[i])) return false;
    } else if (word(i) != want[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool process_matches(const conf::TrackProcess& spec, const ProcessIdentity& process) {
  if (!spec.matches_command_line()) return process.comm == spec.process;
  if (process.argv.empty() || process.argv.front() != spec.process) return false;
  // keepalived: parameters given without param_match compare exactly;
  // full_command alone leaves the parameters alone.
  if (spec.parameters.empty() && !spec.param_match) return true;
  return parameters_match(spec, process.argv);
}

std::vector<std::string> split_cmdline(std::string_view raw) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\0', start);
    if (end == std::string_view::npos) end = raw.size();
    out.emplace_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<StatFields> parse_proc_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  StatFields out{.comm = std::string(text.substr(open + 1, close - open - 1))};
  if (close + 2 < text.size() && text[close + 1] == ' ') out.state = text[close + 2];
  return out;
}

}  // namespace lvsd::daemon
