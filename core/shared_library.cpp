#include "core/shared_library.hpp"

namespace lvsd::core {

Result<SharedLibrary> SharedLibrary::open(const std::string& soname) {
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Error{why != nullptr ? std::string(why) : soname};
  }
  return SharedLibrary(handle, soname);
}

}  // namespace lvsd::core
