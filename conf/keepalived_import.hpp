#pragma once
// keepalived.conf -> Config. Keywords lvsd implements are mapped to the model;
// keywords that are safe to skip (mail alerts, GARP pacing)
// give one warning each; any other keyword, including ones that change
// keepalived's behaviour but that lvsd does not implement, is an error with
// its line. Nothing is dropped silently. docs/config.md lists all three sets.
#include <string>
#include <string_view>

#include "conf/error.hpp"
#include "conf/keepalived_parser.hpp"

namespace lvsd::conf {

LoadResult import_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes);

// Reads path and imports it, resolving includes on the file system.
LoadResult import_keepalived_file(const std::string& path);

// Keywords that import with a warning and no effect.
const std::vector<std::string>& keepalived_ignored_keywords();

}  // namespace lvsd::conf
