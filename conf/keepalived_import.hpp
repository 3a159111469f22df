#pragma once
// keepalived.conf -> Config. Keywords lvsd implements are mapped to the model;
// keepalived keywords that are safe to skip (mail alerts, process tuning)
// give one warning each; keepalived keywords that change its behaviour but
// that lvsd does not implement are errors with their line; words that are not
// keepalived keywords are skipped with a warning, as keepalived does, unless
// they are near-misses of one (an error with "did you mean").
// conf/keepalived_keywords.cpp lists keepalived's keywords; nothing is dropped
// silently.
#include <string>
#include <string_view>

#include "conf/error.hpp"
#include "conf/keepalived_parser.hpp"

namespace lvsd::conf {

// config_id: what keepalived's `@ID` lines are compared with (none: the host's).
LoadResult import_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                             const KaConfigId& config_id = std::nullopt);

// import_keepalived(text, ...)'s result for the file `before` was imported
// from with `basis` (LoadResult::reload): when the edit lies inside one
// virtual_server block only (its lines, up to the next top-level statement)
// and that block alone reads without any message, only it is read again,
// the rest is taken from `before`, every rule is checked on the whole
// result, and the other warnings are given again, moved with their lines.
// Anything else (an edit elsewhere, an include, keepalived's $, @ or ~
// preprocessing, a group's virtual server, any message) imports the whole
// file, as import_keepalived() does.
LoadResult reimport_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                               const KaConfigId& config_id, const Config& before, const ReloadBasis& basis);

// Reads path and imports it, resolving includes on the file system.
LoadResult import_keepalived_file(const std::string& path, const KaConfigId& config_id = std::nullopt);

}  // namespace lvsd::conf
