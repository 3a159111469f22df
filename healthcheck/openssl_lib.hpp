#pragma once
// OpenSSL, loaded on first use with dlopen() instead of linked.
//
// Linking libssl and libcrypto makes every lvsd process map and relocate
// them at start (about 1.8 MB resident, measured with a program that only
// links them), whether or not a check uses TLS. Only SSL_GET checks and HTTP
// digests need them, so the first of those loads libssl (which brings its
// libcrypto) and looks up the few functions below. The headers still give
// the types, constants and (through decltype) the exact signatures.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

namespace lvsd::healthcheck::openssl {

struct Api {
  // libcrypto
  decltype(&::ERR_get_error) ERR_get_error = nullptr;
  decltype(&::ERR_clear_error) ERR_clear_error = nullptr;
  decltype(&::ERR_error_string_n) ERR_error_string_n = nullptr;
  decltype(&::X509_verify_cert_error_string) X509_verify_cert_error_string = nullptr;
  decltype(&::X509_VERIFY_PARAM_set1_ip_asc) X509_VERIFY_PARAM_set1_ip_asc = nullptr;
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new = nullptr;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free = nullptr;
  decltype(&::EVP_md5) EVP_md5 = nullptr;
  decltype(&::EVP_DigestInit_ex) EVP_DigestInit_ex = nullptr;
  decltype(&::EVP_DigestUpdate) EVP_DigestUpdate = nullptr;
  decltype(&::EVP_DigestFinal_ex) EVP_DigestFinal_ex = nullptr;
  // libssl
  decltype(&::TLS_client_method) TLS_client_method = nullptr;
  decltype(&::SSL_CTX_new) SSL_CTX_new = nullptr;
  decltype(&::SSL_CTX_free) SSL_CTX_free = nullptr;
  decltype(&::SSL_CTX_set_options) SSL_CTX_set_options = nullptr;
  decltype(&::SSL_CTX_set_verify) SSL_CTX_set_verify = nullptr;
  decltype(&::SSL_CTX_set_default_verify_paths) SSL_CTX_set_default_verify_paths = nullptr;
  decltype(&::SSL_CTX_load_verify_locations) SSL_CTX_load_verify_locations = nullptr;
  decltype(&::SSL_new) SSL_new = nullptr;
  decltype(&::SSL_free) SSL_free = nullptr;
  decltype(&::SSL_set_fd) SSL_set_fd = nullptr;
  decltype(&::SSL_ctrl) SSL_ctrl = nullptr;  // SSL_set_tlsext_host_name is a macro over it
  decltype(&::SSL_get0_param) SSL_get0_param = nullptr;
  decltype(&::SSL_set1_host) SSL_set1_host = nullptr;
  decltype(&::SSL_get_error) SSL_get_error = nullptr;
  decltype(&::SSL_get_verify_result) SSL_get_verify_result = nullptr;
  decltype(&::SSL_connect) SSL_connect = nullptr;
  decltype(&::SSL_write) SSL_write = nullptr;
  decltype(&::SSL_read) SSL_read = nullptr;
};

// The functions, loading the library on the first call (once: a failure is
// remembered too). nullptr when it cannot be loaded; load_error() says why.
const Api* api();
const std::string& load_error();

}  // namespace lvsd::healthcheck::openssl
