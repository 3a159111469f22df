#include "healthcheck/openssl_lib.hpp"

#include <optional>

#include "core/shared_library.hpp"

namespace lvsd::healthcheck::openssl {

namespace {

// The soname the headers belong to (libssl.so.3 for OpenSSL 3.x).
#define LVSD_OPENSSL_STR2(x) #x
#define LVSD_OPENSSL_STR(x) LVSD_OPENSSL_STR2(x)
constexpr const char* kLibrary = "libssl.so." LVSD_OPENSSL_STR(OPENSSL_VERSION_MAJOR);

struct Loaded {
  std::optional<Api> api{};
  std::string error{};
};

Loaded load() {
  Loaded loaded;
  auto lib = core::SharedLibrary::open(kLibrary);
  if (!lib.ok()) {
    loaded.error = "cannot load OpenSSL: " + lib.error().message;
    return loaded;
  }
  Api a;
  // dlsym on libssl's handle also searches its dependency, libcrypto.
  bool ok = true;
#define LVSD_OPENSSL_BIND(fn) ok = lib->bind(a.fn, #fn) && ok
  LVSD_OPENSSL_BIND(ERR_get_error);
  LVSD_OPENSSL_BIND(ERR_clear_error);
  LVSD_OPENSSL_BIND(ERR_error_string_n);
  LVSD_OPENSSL_BIND(X509_verify_cert_error_string);
  LVSD_OPENSSL_BIND(X509_VERIFY_PARAM_set1_ip_asc);
  LVSD_OPENSSL_BIND(EVP_MD_CTX_new);
  LVSD_OPENSSL_BIND(EVP_MD_CTX_free);
  LVSD_OPENSSL_BIND(EVP_md5);
  LVSD_OPENSSL_BIND(EVP_DigestInit_ex);
  LVSD_OPENSSL_BIND(EVP_DigestUpdate);
  LVSD_OPENSSL_BIND(EVP_DigestFinal_ex);
  LVSD_OPENSSL_BIND(TLS_client_method);
  LVSD_OPENSSL_BIND(SSL_CTX_new);
  LVSD_OPENSSL_BIND(SSL_CTX_free);
  LVSD_OPENSSL_BIND(SSL_CTX_set_options);
  LVSD_OPENSSL_BIND(SSL_CTX_set_verify);
  LVSD_OPENSSL_BIND(SSL_CTX_set_default_verify_paths);
  LVSD_OPENSSL_BIND(SSL_CTX_load_verify_locations);
  LVSD_OPENSSL_BIND(SSL_new);
  LVSD_OPENSSL_BIND(SSL_free);
  LVSD_OPENSSL_BIND(SSL_set_fd);
  LVSD_OPENSSL_BIND(SSL_ctrl);
  LVSD_OPENSSL_BIND(SSL_get0_param);
  LVSD_OPENSSL_BIND(SSL_set1_host);
  LVSD_OPENSSL_BIND(SSL_get_error);
  LVSD_OPENSSL_BIND(SSL_get_verify_result);
  LVSD_OPENSSL_BIND(SSL_connect);
  LVSD_OPENSSL_BIND(SSL_write);
  LVSD_OPENSSL_BIND(SSL_read);
#undef LVSD_OPENSSL_BIND
  if (ok) loaded.api = a;
  else loaded.error = "cannot load OpenSSL: " + lib->missing();
  return loaded;
}

const Loaded& loaded() {
  static const Loaded instance = load();
  return instance;
}

}  // namespace

const Api* api() {
  const Loaded& l = loaded();
  return l.api ? &*l.api : nullptr;
}

const std::string& load_error() { return loaded().error; }

}  // namespace lvsd::healthcheck::openssl
