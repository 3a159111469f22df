#include "healthcheck/redis_info.hpp"

namespace lvsd::healthcheck {

std::optional<std::string_view> redis_info_field(std::string_view info, std::string_view field) {
  std::size_t pos = 0;
  while (pos < info.size()) {
    std::size_t end = info.find('\n', pos);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > field.size() && line.substr(0, field.size()) == field && line[field.size()] == ':') {
      return line.substr(field.size() + 1);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> redis_role_mismatch(RedisRole expect, std::string_view info) {
  if (expect == RedisRole::kAny) return std::nullopt;
  auto role = redis_info_field(info, "role");
  if (!role) return std::string("redis INFO replication has no role");
  if (expect == RedisRole::kMaster) {
    if (*role != "master") return "redis role is " + std::string(*role) + ", expected master";
    return std::nullopt;
  }
  if (*role != "slave") return "redis role is " + std::string(*role) + ", expected replica";
  auto link = redis_info_field(info, "master_link_status");
  if (!link || *link != "up") {
    return "redis replica master_link_status is " + (link ? std::string(*link) : std::string("missing"));
  }
  return std::nullopt;
}

}  // namespace lvsd::healthcheck
