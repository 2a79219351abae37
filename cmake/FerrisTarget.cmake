# ferris_module(<name> DEPS <targets...>): a static library (shared with
# FERRIS_SHARED_MODULES) made of every .cpp in the current folder, with the project's warning flags. Third-party headers come in as SYSTEM.
function(ferris_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
    -Wno-error=deprecated-declarations
    # GCC 12 reports false positives inside std::variant/std::optional at -O1+.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
endfunction()

function(ferris_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB _sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(FERRIS_SHARED_MODULES)
    add_library(${name} SHARED ${_sources})
  else()
    add_library(${name} STATIC ${_sources})
  endif()
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  ferris_warnings(${name})
endfunction()
