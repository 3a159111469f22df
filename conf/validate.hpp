#pragma once
// Rules that look at more than one value: required keys, duplicates, VRID
// reuse, VRRP version constraints, ports and address families across virtual
// and real servers, sync group references. Single values (ranges, syntax) are
// checked while parsing (conf/scalars.hpp). Shared by both loaders.
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/error.hpp"

namespace lvsd::conf {

// Every rule violation in config; empty when it is valid. Locations come from sources.
std::vector<ConfigError> validate(const Config& config, const SourceMap& sources);

// Key path of real_server.checks[index]: "<rs_path>.HTTP_GET", or "<rs_path>.HTTP_GET[1]"
// when the real server has more than one check of that type.
std::string check_path(const std::string& rs_path, const std::vector<Check>& checks, std::size_t index);

}  // namespace lvsd::conf
