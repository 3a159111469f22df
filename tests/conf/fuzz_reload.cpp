// libFuzzer target: the reload shortcut against a full read. Each input is
// an edit of one of two fixed files: byte 0 picks YAML (even) or
// keepalived.conf (odd), bytes 1-2 where the edit is, byte 3 how many bytes
// it erases there (0-15), the rest what it inserts. Reading the edited text
// again from the fixed file's configuration and reload basis (reload_yaml,
// reimport_keepalived) must give exactly what reading it whole gives: the
// same configuration, errors and warnings, each at the same place. (Edits
// of the fixed files rather than whole texts: no corpus is needed to stay
// near a file that has a reload basis.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"

namespace {

using lvsd::conf::LoadResult;

// Two virtual servers of two real servers, a head and a tail around them.
const std::string kYaml =
    "global:\n  router_id: F\nvirtual_servers:\n"
    "  - address: 10.1.0.1\n    port: 80\n    lb_algo: wrr\n    real_servers:\n"
    "      - address: 10.2.0.1\n        weight: 2\n      - address: 10.2.0.2\n"
    "  - address: 10.1.0.2\n    port: 443\n    real_servers:\n      - address: 10.2.0.1\n        port: 443\n"
    "static_ipaddress: [10.9.9.9/32 dev lo]\n";
const std::string kKeepalived =
    "global_defs {\n  router_id F\n  smtp_server 127.0.0.1\n}\n"
    "virtual_server 10.1.0.1 80 {\n  lb_algo wrr\n  protocol TCP\n"
    "  real_server 10.2.0.1 80 {\n    weight 2\n  }\n  real_server 10.2.0.2 80 {\n  }\n}\n"
    "virtual_server 10.1.0.2 443 {\n  protocol TCP\n  real_server 10.2.0.1 443 {\n  }\n}\n"
    "static_ipaddress {\n  10.9.9.9/32 dev lo\n}\n";

std::string messages(const std::vector<lvsd::conf::ConfigError>& list) {
  std::string out;
  for (const auto& e : list) out += lvsd::conf::format_error(e) + "\n";
  return out;
}

bool same(const LoadResult& a, const LoadResult& b) {
  if (a.ok() != b.ok() || messages(a.errors) != messages(b.errors) || messages(a.warnings) != messages(b.warnings))
    return false;
  return !a.ok() || (*a.config == *b.config && a.reload.has_value() == b.reload.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  static const LoadResult yaml = lvsd::conf::load_yaml(kYaml, "f.yaml");
  static const LoadResult keepalived = lvsd::conf::import_keepalived(kKeepalived, "f.conf", lvsd::conf::no_include_reader());
  if (!yaml.ok() || !yaml.reload || !keepalived.ok() || !keepalived.reload) std::abort();  // the fixed files
  const bool is_yaml = data[0] % 2 == 0;
  std::string text = is_yaml ? kYaml : kKeepalived;
  const std::size_t at = (static_cast<std::size_t>(data[1]) << 8 | data[2]) % (text.size() + 1);
  text.erase(at, data[3] % 16);
  text.insert(at, reinterpret_cast<const char*>(data) + 4, size - 4);
  if (is_yaml) {
    const LoadResult again = lvsd::conf::reload_yaml(text, "f.yaml", *yaml.config, *yaml.reload);
    if (!same(again, lvsd::conf::load_yaml(text, "f.yaml"))) std::abort();
  } else {
    const LoadResult again = lvsd::conf::reimport_keepalived(text, "f.conf", lvsd::conf::no_include_reader(),
                                                             std::nullopt, *keepalived.config, *keepalived.reload);
    if (!same(again, lvsd::conf::import_keepalived(text, "f.conf", lvsd::conf::no_include_reader()))) std::abort();
  }
  return 0;
}
