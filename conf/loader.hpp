#pragma once
// Loading a configuration file: YAML (the native format) or keepalived.conf
// (imported, see conf/keepalived_import.hpp). Errors are values; nothing is
// thrown. A LoadResult with a config has passed every validation rule.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conf/config.hpp"
#include "conf/error.hpp"
#include "conf/keepalived_parser.hpp"

namespace lvsd::conf {

enum class SourceFormat { kYaml, kKeepalived };

// keepalived.conf syntax when the name ends in ".conf", YAML for ".yaml"/".yml";
// otherwise by content: keepalived if the first word is a keepalived top-level
// block keyword (global_defs, vrrp_instance, virtual_server, ...) or include.
SourceFormat detect_format(const std::string& path, std::string_view content);

// Reads path, detects its format and loads it (includes resolved for keepalived.conf).
// Same as load_content(path, read_config_file(path), config_id).
LoadResult load_file(const std::string& path, const KaConfigId& config_id = std::nullopt);

// A configuration file's bytes, or why they could not be read: the path is
// not a regular file (a directory, FIFO, socket or device), cannot be opened,
// or holds more than kMaxConfigFileBytes (conf/read_file.hpp). The error's
// location is the path. Usable from any thread.
struct FileContent {
  std::string bytes{};
  std::optional<ConfigError> error{};  // set: bytes is empty
};
FileContent read_config_file(const std::string& path);

// Loads bytes read from path (keepalived.conf: its includes are read from the
// file system, and its `@ID` lines compared with config_id, none: the host's).
LoadResult load_content(const std::string& path, std::string_view bytes, const KaConfigId& config_id = std::nullopt);

// What identifies the bytes a YAML configuration was loaded from: their
// 128-bit XXH3 hash (Debian's libxxhash) and length. A YAML configuration is
// a function of its bytes alone (no includes, no file or environment
// lookups), so a file that still has this digest still loads to the same
// Config and a reload may keep the parsed one, without lvsd keeping a copy of
// the file.
//
// A fast non-cryptographic hash is enough here: the digest only tells an
// edited file from an untouched one, and whoever could craft a colliding
// file can write the configuration anyway; an accidental collision of
// 128 bits and the length is out of reach. A cryptographic hash would mean
// libcrypto in every lvsd process, which loads OpenSSL only on the first TLS
// or digest health check (healthcheck/openssl_lib.hpp).
struct ContentDigest {
  std::array<std::uint64_t, 2> xxh3_128{};  // high, low
  std::size_t size = 0;
  bool operator==(const ContentDigest&) const = default;
};

// The digest of `bytes`, whatever their format.
ContentDigest content_digest(std::string_view bytes);

// The digest of `bytes` read from `path` when they are YAML; nullopt for
// keepalived.conf, whose includes can change behind an unchanged file.
std::optional<ContentDigest> yaml_digest(const std::string& path, std::string_view bytes);

// True when the file at `path` now holds bytes with the digest `previous`
// (read 64 KiB at a time). False when it cannot be read or is not a regular file.
bool yaml_file_unchanged(const std::string& path, const ContentDigest& previous);

// YAML text; file_name is used in error locations only. The result's reload
// basis is set when the file has a top-level virtual_servers list and no
// anchors.
LoadResult load_yaml(std::string_view text, const std::string& file_name);

// The same result as load_yaml(text, file_name), for a file loaded before
// into `before` with `basis`. When the edit lies inside one virtual server
// only (an item of the block list, see ItemSpans), only that one is read
// again, the rest is taken from `before`, and every rule is checked on the
// whole result as a load checks it. Any other edit, any error, an anchor in
// the changed item: the file is loaded whole, and every error is located in
// it as load_yaml() locates it.
LoadResult reload_yaml(std::string_view text, const std::string& file_name, const Config& before,
                       const ReloadBasis& basis);

// load_content(path, bytes, config_id)'s result for the file `before` was
// loaded from with `basis` (reload_yaml, reimport_keepalived): an edit
// inside one virtual server reads that one alone.
LoadResult reload_content(const std::string& path, std::string_view bytes, const KaConfigId& config_id,
                          const Config& before, const ReloadBasis& basis);

}  // namespace lvsd::conf
