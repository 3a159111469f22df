#pragma once
// Reading Redis' INFO text (pure): "# Replication\r\nrole:master\r\n...".
#include <optional>
#include <string>
#include <string_view>

#include "healthcheck/check_spec.hpp"

namespace lvsd::healthcheck {

// The value of `field` in an INFO reply, or nullopt if absent.
std::optional<std::string_view> redis_info_field(std::string_view info, std::string_view field);

// Whether INFO replication output satisfies `expect`: nullopt if it does,
// else the reason it does not ("redis role is slave, expected master").
// kMaster: role:master. kReplica: role:slave and master_link_status:up.
std::optional<std::string> redis_role_mismatch(RedisRole expect, std::string_view info_replication);

}  // namespace lvsd::healthcheck
