// libFuzzer target: arbitrary bytes through the keepalived.conf parser and
// importer (includes refused: no file system access), then to_yaml and back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const lvsd::conf::IncludeReader no_includes = lvsd::conf::no_include_reader();
  lvsd::conf::LoadResult result = lvsd::conf::import_keepalived(text, "fuzz.conf", no_includes);
  for (const auto& e : result.errors) (void)lvsd::conf::format_error(e);
  for (const auto& w : result.warnings) (void)lvsd::conf::format_error(w);
  if (result.ok()) {
    std::string yaml = lvsd::conf::to_yaml(*result.config);
    lvsd::conf::LoadResult again = lvsd::conf::load_yaml(yaml, "fuzz-roundtrip.yaml");
    if (!again.ok() || !(*again.config == *result.config)) std::abort();  // import -> YAML must hold
  }
  return 0;
}
