#include "director/ownership.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lvsd::director {
namespace {

constexpr std::string_view kHeaderLine = "# lvsd ipvs ownership v1";

template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

core::Result<ServiceKey> parse_service_key(std::string_view text) {
  text = trim(text);
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return core::Error{"expected \"PROTO ADDRESS:PORT\" or \"FWM MARK\""};
  std::string_view kind = text.substr(0, space);
  std::string_view rest = trim(text.substr(space + 1));

  if (kind == "FWM") {
    core::AddressFamily family = core::AddressFamily::kIpv4;
    std::size_t sp = rest.find(' ');
    if (sp != std::string_view::npos) {
      if (trim(rest.substr(sp + 1)) != "IPv6") return core::Error{"expected \"FWM MARK\" or \"FWM MARK IPv6\""};
      family = core::AddressFamily::kIpv6;
      rest = rest.substr(0, sp);
    }
    std::uint32_t mark = 0;
    if (!parse_number(rest, mark) || mark == 0) return core::Error{"bad firewall mark \"" + std::string(rest) + "\""};
    return ServiceKey::firewall_mark(family, mark);
  }

  Protocol protocol;
  if (kind == "TCP") {
    protocol = Protocol::kTcp;
  } else if (kind == "UDP") {
    protocol = Protocol::kUdp;
  } else if (kind == "SCTP") {
    protocol = Protocol::kSctp;
  } else {
    return core::Error{"unknown protocol \"" + std::string(kind) + "\" (TCP, UDP, SCTP or FWM)"};
  }
  auto endpoint = core::Endpoint::parse(rest);
  if (!endpoint) return endpoint.error();
  return ServiceKey::inet(protocol, *endpoint);
}

std::string encode_ownership(const OwnershipRecord& record) {
  std::string out(kHeaderLine);
  out += '\n';
  for (const ServiceKey& key : record.services) out += describe(key) + '\n';
  return out;
}

core::Result<OwnershipRecord> decode_ownership(std::string_view text) {
  OwnershipRecord record;
  std::string errors;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto key = parse_service_key(line);
    if (!key) {
      if (!errors.empty()) errors += "; ";
      errors += "line " + std::to_string(line_no) + ": " + key.error().message;
      continue;
    }
    record.services.insert(*key);
  }
  if (!errors.empty()) return core::Error{errors};
  return record;
}

core::Result<OwnershipRecord> load_ownership(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return OwnershipRecord{};
    return core::errno_error("reading " + path, errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto record = decode_ownership(ss.str());
  if (!record) return record.error().context(path);
  return record;
}

core::Status save_ownership(const std::string& path, const OwnershipRecord& record) {
  std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return core::Error{"creating " + target.parent_path().string() + ": " + ec.message()};
  std::string tmp = path + ".tmp";
  std::string text = encode_ownership(record);
  std::FILE* f = std::fopen(tmp.c_str(), "we");  // e: O_CLOEXEC
  if (f == nullptr) return core::errno_error("writing " + tmp, errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  int err = errno;
  std::fclose(f);
  if (!ok) {
    std::remove(tmp.c_str());
    return core::errno_error("writing " + tmp, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(tmp.c_str());
    return core::errno_error("renaming " + tmp + " to " + path, err);
  }
  return {};
}

}  // namespace lvsd::director
