# Finds cpp-httplib for driftwatch's HTTP adapters (components http and
# webhook) and defines the imported target driftwatch::cpp_httplib.
#
# cpp-httplib comes in three shapes, tried in this order:
#   1. upstream's CMake package (find_package(httplib CONFIG): httplib::httplib);
#   2. Debian's libcpp-httplib-dev, a compiled library described only by
#      pkg-config (`cpp-httplib`), whose Cflags carry the feature macros
#      (CPPHTTPLIB_OPENSSL_SUPPORT, ...) that must match the library's build;
#   3. the single header httplib.h on the include path (header-only use).
# Sets driftwatch_httplib_FOUND and driftwatch_httplib_SOURCE (which shape).
# Installed beside driftwatch-config.cmake, which finds it with find_dependency.
if(TARGET driftwatch::cpp_httplib)
  set(driftwatch_httplib_FOUND TRUE)
  return()
endif()

set(driftwatch_httplib_SOURCE "")
set(_dw_httplib_target "")
find_package(httplib CONFIG QUIET)
if(TARGET httplib::httplib)
  set(_dw_httplib_target httplib::httplib)
  set(driftwatch_httplib_SOURCE "httplib CMake package")
else()
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    # GLOBAL: a project that vendors driftwatch (FetchContent) links our
    # targets from its own directories, where a directory-scoped import
    # would be invisible.
    pkg_check_modules(DRIFTWATCH_CPP_HTTPLIB QUIET IMPORTED_TARGET GLOBAL cpp-httplib)
    if(TARGET PkgConfig::DRIFTWATCH_CPP_HTTPLIB)
      set(_dw_httplib_target PkgConfig::DRIFTWATCH_CPP_HTTPLIB)
      set(driftwatch_httplib_SOURCE "pkg-config cpp-httplib ${DRIFTWATCH_CPP_HTTPLIB_VERSION}")
    endif()
  endif()
  if(NOT _dw_httplib_target)
    find_path(DRIFTWATCH_HTTPLIB_INCLUDE_DIR httplib.h)
    if(DRIFTWATCH_HTTPLIB_INCLUDE_DIR)
      set(driftwatch_httplib_SOURCE "header ${DRIFTWATCH_HTTPLIB_INCLUDE_DIR}/httplib.h")
    endif()
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(driftwatch_httplib
  REQUIRED_VARS driftwatch_httplib_SOURCE
  REASON_FAILURE_MESSAGE
    "cpp-httplib not found (tried: CMake package 'httplib', pkg-config 'cpp-httplib', header httplib.h), on Debian: apt-get install libcpp-httplib-dev")

if(driftwatch_httplib_FOUND)
  add_library(driftwatch::cpp_httplib INTERFACE IMPORTED GLOBAL)
  if(_dw_httplib_target)
    set_target_properties(driftwatch::cpp_httplib PROPERTIES INTERFACE_LINK_LIBRARIES "${_dw_httplib_target}")
  else()
    set_target_properties(driftwatch::cpp_httplib PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${DRIFTWATCH_HTTPLIB_INCLUDE_DIR}")
  endif()
endif()
unset(_dw_httplib_target)
