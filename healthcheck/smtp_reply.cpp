#include "healthcheck/smtp_reply.hpp"

namespace lvsd::healthcheck {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Replies quoted in reasons are cut: a reason is one log line.
constexpr std::size_t kMaxQuoted = 120;

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxQuoted)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > kMaxQuoted) out += "...";
  return out;
}

}  // namespace

core::Result<std::optional<SmtpReply>> parse_smtp_reply(std::string_view in) {
  std::size_t at = 0;
  int code = -1;
  while (true) {
    const std::size_t end = in.find('\n', at);
    if (end == std::string_view::npos) return std::optional<SmtpReply>{};
    std::string_view line = in.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool well_formed = line.size() >= 3 && digit(line[0]) && digit(line[1]) && digit(line[2]) &&
                             (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!well_formed) return core::Error{"not an SMTP reply: '" + printable(line) + "'"};
    const int line_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code >= 0 && line_code != code)
      return core::Error{"SMTP reply lines with codes " + std::to_string(code) + " and " + std::to_string(line_code)};
    code = line_code;
    at = end + 1;
    if (line.size() == 3 || line[3] == ' ')
      return std::optional<SmtpReply>{SmtpReply{
          .code = code, .text = printable(line.size() > 4 ? line.substr(4) : std::string_view{}), .length = at}};
  }
}

}  // namespace lvsd::healthcheck
