#pragma once
// A Debian shared library loaded with dlopen() on its first use instead of
// linked: for libraries only some configurations need (OpenSSL for SSL_GET
// and digests, libnftables for no accept mode and VMACs). A linked library is
// mapped and relocated by every lvsd process at start, used or not (libssl
// with libcrypto: about 1.8 MB resident; libnftables with libnftnl, libgmp,
// libjansson and libxtables: about 0.6 MB). The package depends on each by
// name (debian/control), which ${shlibs:Depends} cannot see.
//
// The caller keeps the headers for types and exact signatures (decltype)
// and binds the few functions it calls.
#include <dlfcn.h>

#include <string>

#include "core/result.hpp"

namespace lvsd::core {

class SharedLibrary {
 public:
  // dlopen(soname) (never closed: the handle lives as long as the process).
  static Result<SharedLibrary> open(const std::string& soname);

  // Binds `out` to the function `name`; false if the library has none (the
  // first such name is in missing()).
  template <typename F>
  bool bind(F& out, const char* name) {
    void* sym = ::dlsym(handle_, name);
    if (sym == nullptr) {
      if (missing_.empty()) missing_ = soname_ + " has no " + name;
      return false;
    }
    out = reinterpret_cast<F>(sym);
    return true;
  }
  // "libssl.so.3 has no SSL_new"; empty while every bind() succeeded.
  const std::string& missing() const { return missing_; }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  void* handle_;
  std::string soname_;
  std::string missing_{};
};

}  // namespace lvsd::core
