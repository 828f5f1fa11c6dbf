# CMake package file of wps.h (header-only): find_package(wps CONFIG) defines the INTERFACE
# imported target wps::wps, whose include directory holds wps.h. Installed by `make install` and
# by CMake's install rules into <prefix>/lib/cmake/wps/; it finds <prefix> from its own place,
# so an installed tree can be moved.
get_filename_component(_wps_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT EXISTS "${_wps_prefix}/include/wps.h")
  set(wps_FOUND FALSE)
  set(wps_NOT_FOUND_MESSAGE "wps.h is not in ${_wps_prefix}/include (a partial install?)")
  unset(_wps_prefix)
  return()
endif()
if(NOT TARGET wps::wps)
  add_library(wps::wps INTERFACE IMPORTED)
  set_target_properties(wps::wps PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_wps_prefix}/include")
endif()
set(wps_INCLUDE_DIR "${_wps_prefix}/include")
unset(_wps_prefix)
