#!/usr/bin/env bash
# Installs the Debian packages FerrisStreams needs to build, test and benchmark.
# Idempotent: packages already present are not touched, and apt-get runs only when
# something is missing. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libsimdjson-dev libfmt-dev libre2-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  librdkafka-dev libyaml-cpp-dev libspdlog-dev libcpp-httplib-dev
  python3 python3-venv python3-avro time
  maven openjdk-17-jre-headless
)
if [[ "${FERRIS_EXTRA_DEPS:-0}" == "1" ]]; then
  # make check-extra: TSan build and libFuzzer (clang-14 with libstdc++ 12)
  PACKAGES+=(clang-14 libclang-rt-14-dev llvm-14 clang-format-14)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} == 0 )); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
