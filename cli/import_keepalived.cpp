#include "cli/import_keepalived.hpp"

#include <ostream>

#include "conf/error.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/writer.hpp"

namespace lvsd::cli {

int import_keepalived(const std::string& path, std::ostream& out, std::ostream& err,
                      const conf::KaConfigId& config_id) {
  conf::LoadResult result = conf::import_keepalived_file(path, config_id);
  for (const auto& warning : result.warnings) err << "warning: " << conf::format_error(warning) << "\n";
  if (!result.ok()) {
    for (const auto& error : result.errors) err << conf::format_error(error) << "\n";
    err << path << ": not imported (" << result.errors.size()
        << (result.errors.size() == 1 ? " error" : " errors") << ")\n";
    return 1;
  }
  out << conf::to_yaml(*result.config);
  return 0;
}

}  // namespace lvsd::cli
