# System packages, installed by scripts/install-deps.sh.
find_package(fmt REQUIRED)
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
# cpp-httplib 0.11 (Debian builds it as a shared library; its .pc adds the OpenSSL, zlib and
# Brotli defines the library was built with, so https works).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(Threads REQUIRED)
if(FERRIS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(FERRIS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
