#include "daemon/check_config.hpp"

#include <ostream>

#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::daemon {

int check_config(const std::string& path, std::ostream& out, std::ostream& err, const conf::KaConfigId& config_id) {
  conf::LoadResult result = conf::load_file(path, config_id);
  for (const auto& warning : result.warnings) err << "warning: " << conf::format_error(warning) << "\n";
  if (!result.ok()) {
    for (const auto& error : result.errors) err << conf::format_error(error) << "\n";
    err << path << ": " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors")
        << ", configuration refused\n";
    return 1;
  }
  out << "configuration OK: " << conf::summary(*result.config) << "\n";
  return 0;
}

}  // namespace lvsd::daemon
