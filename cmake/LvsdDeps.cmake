# Every dependency comes from a Debian 12 package. A missing one stops cmake
# with the name of the package to install.
find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(lvsd_require_pkgconfig target module apt)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "missing dependency ${module}: apt-get install ${apt}")
  endif()
endfunction()

macro(lvsd_require_package name apt)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "missing dependency ${name}: apt-get install ${apt}")
  endif()
endmacro()

lvsd_require_pkgconfig(LIBNL libnl-3.0 libnl-3-dev)
lvsd_require_pkgconfig(LIBNL_GENL libnl-genl-3.0 libnl-genl-3-dev)
lvsd_require_pkgconfig(LIBMNL libmnl libmnl-dev)
lvsd_require_pkgconfig(HIREDIS hiredis libhiredis-dev)
lvsd_require_pkgconfig(LIBYAML yaml-0.1 libyaml-dev)
# keepalived's no-accept filter (vrrp_strict, no_accept) and VMACs' multicast
# reports: vrrp/vip_filter.cpp. Its header: the library is loaded on first use.
lvsd_require_pkgconfig(LIBNFTABLES libnftables libnftables-dev)
# HTTP_GET's url regex, as keepalived 2.2.7 (PCRE2, 8-bit): core/response_regex.cpp.
lvsd_require_pkgconfig(LIBPCRE2 libpcre2-8 libpcre2-dev)

# Every library is linked as Debian ships it, shared, so that a security or
# bug fix in a Debian update reaches lvsd without rebuilding it. For people
# who want a binary with fewer shared objects, LVSD_STATIC_DEPS links the C
# libraries whose -dev package ships an archive (libnl, libyaml, hiredis,
# libev) statically instead. libstdc++ and libgcc stay shared either way:
# spdlog and fmt are shared C++ libraries (Debian ships no archive of them)
# built against the shared libstdc++, and a second, static libstdc++ inside
# lvsd would give the process two copies of the C++ runtime.
option(LVSD_STATIC_DEPS "Link libnl, libyaml, hiredis and libev statically (opt-in)" OFF)
function(lvsd_prefer_archive target archive)
  find_library(${target}_ARCHIVE NAMES ${archive} NO_CACHE)
  if(${target}_ARCHIVE)
    set_target_properties(PkgConfig::${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${${target}_ARCHIVE}")
  else()
    message(FATAL_ERROR "missing ${archive} (LVSD_STATIC_DEPS=ON); it comes with the -dev package, or configure with -DLVSD_STATIC_DEPS=OFF")
  endif()
endfunction()
if(LVSD_STATIC_DEPS)
  lvsd_prefer_archive(LIBNL libnl-3.a)
  lvsd_prefer_archive(LIBNL_GENL libnl-genl-3.a)
  lvsd_prefer_archive(HIREDIS libhiredis.a)
  lvsd_prefer_archive(LIBYAML libyaml.a)
endif()

# libev ships neither pkg-config nor CMake files on Debian 12.
find_path(LIBEV_INCLUDE_DIR ev.h)
if(LVSD_STATIC_DEPS)
  find_library(LIBEV_LIBRARY NAMES libev.a)
else()
  find_library(LIBEV_LIBRARY ev)
endif()
if(NOT LIBEV_INCLUDE_DIR OR NOT LIBEV_LIBRARY)
  message(FATAL_ERROR "missing dependency libev: apt-get install libev-dev")
endif()
add_library(lvsd_libev INTERFACE)
target_include_directories(lvsd_libev SYSTEM INTERFACE ${LIBEV_INCLUDE_DIR})
target_link_libraries(lvsd_libev INTERFACE ${LIBEV_LIBRARY})
add_library(Lvsd::libev ALIAS lvsd_libev)

# Logging: Debian's spdlog is a shared library built on the packaged fmt
# (SPDLOG_FMT_EXTERNAL); its CMake package brings both.
lvsd_require_package(spdlog libspdlog-dev)
# The unchanged-reload check digests the configuration file with XXH3
# (conf/loader.hpp says why not a cryptographic hash).
lvsd_require_pkgconfig(LIBXXHASH libxxhash libxxhash-dev)
lvsd_require_package(OpenSSL libssl-dev)
lvsd_require_package(CLI11 libcli11-dev)
lvsd_require_package(nlohmann_json nlohmann-json3-dev)
if(LVSD_BUILD_TESTS)
  lvsd_require_package(GTest "libgtest-dev libgmock-dev")
endif()
