// libFuzzer target: arbitrary bytes through the YAML loader, then (when the
// input is valid) through to_yaml and back, which must give the same model.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conf/loader.hpp"
#include "conf/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  lvsd::conf::LoadResult result = lvsd::conf::load_yaml(text, "fuzz.yaml");
  for (const auto& e : result.errors) (void)lvsd::conf::format_error(e);
  if (result.ok()) {
    std::string yaml = lvsd::conf::to_yaml(*result.config);
    (void)lvsd::conf::summary(*result.config);
    lvsd::conf::LoadResult again = lvsd::conf::load_yaml(yaml, "fuzz-roundtrip.yaml");
    if (!again.ok() || !(*again.config == *result.config)) std::abort();  // round trip must hold
  }
  return 0;
}
