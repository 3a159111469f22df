#include "core/result.hpp"

#include <cstring>

namespace lvsd::core {

Error errno_error(const std::string& what, int err) {
  return Error{what + ": " + std::strerror(err)};
}

}  // namespace lvsd::core
