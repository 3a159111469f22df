#pragma once
// Loading a configuration file: YAML (the native format) or keepalived.conf
// (imported, see conf/keepalived_import.hpp). Errors are values; nothing is
// thrown. A LoadResult with a config has passed every validation rule.
#include <string>
#include <string_view>

#include "conf/config.hpp"
#include "conf/error.hpp"

namespace lvsd::conf {

enum class SourceFormat { kYaml, kKeepalived };

// keepalived.conf syntax when the name ends in ".conf", YAML for ".yaml"/".yml";
// otherwise by content: keepalived if the first word is a keepalived top-level
// block keyword (global_defs, vrrp_instance, virtual_server, ...) or include.
SourceFormat detect_format(const std::string& path, std::string_view content);

// Reads path, detects its format and loads it (includes resolved for keepalived.conf).
LoadResult load_file(const std::string& path);

// YAML text; file_name is used in error locations only.
LoadResult load_yaml(std::string_view text, const std::string& file_name);

}  // namespace lvsd::conf
