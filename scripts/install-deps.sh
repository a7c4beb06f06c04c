#!/usr/bin/env bash
# Installs the Debian packages clive needs, skipping those already present.
# Idempotent and non-interactive; uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  llvm-19-dev llvm-19-tools            # ORC JIT; lit and FileCheck
  antlr4 libantlr4-runtime-dev         # parser generator (4.7.2) + runtime (4.9)
  libgit2-dev liblmdb-dev              # the store: Git over LMDB
  capnproto libcapnp-dev               # value encoding
  libssh-dev                           # identities and sync (later issues)
  nlohmann-json3-dev libcli11-dev      # JSON, command-line flags
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libzstd-dev
  util-linux                           # setpriv, for permission tests as root
  neovim                               # the editor end-to-end test (headless)
)

# `--fuzz`: also clang and its libFuzzer runtime, for ./dev fuzz only.
# `--bench`: also the peer tools the benchmarks compare against.
case "${1:-}" in
  --fuzz) packages+=(clang-19 libclang-rt-19-dev) ;;
  --bench) packages+=(nix-bin jsonnet time) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
