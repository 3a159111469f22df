#pragma once
// Config -> text: the YAML that load_yaml() reads back to an equal Config
// (keys at their default are left out), and the one-line summary printed by
// `lvsd --check-config`.
#include <string>

#include "conf/config.hpp"

namespace lvsd::conf {

std::string to_yaml(const Config& config);

// "2 VRRP instances, 1 virtual servers, 2 real servers, 2 checks"
std::string summary(const Config& config);

}  // namespace lvsd::conf
