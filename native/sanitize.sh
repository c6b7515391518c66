#!/usr/bin/env bash
# Builds the segment core with AddressSanitizer and UndefinedBehaviorSanitizer and runs the
# self-test at every SIMD level this CPU has. (valgrind cannot run the AVX-512 paths.)
set -euo pipefail
cd "$(dirname "$0")"
out="${TMPDIR:-/tmp}/tiphash-selftest-asan"
# Twice: as shipped, and with 10-bit blocks so segments of a few thousand entries use blocks.
for blocks in 21 10; do
  g++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
    -DTIPHASH_MAX_OFF_BITS=$blocks -o "$out" tools/selftest.cc src/segment.cc src/kernels_scalar.cc \
    src/kernels_x86.cc src/cpu.cc
  for level in generic popcnt avx2 avx512; do
    echo -n "offset bits $blocks: "
    TIPHASH_SIMD=$level ASAN_OPTIONS=detect_leaks=1 "$out"
  done
done

# The N-API layer too: the addon built with both sanitizers, loaded by a Node whose process
# has the sanitizer runtimes preloaded (Node itself is not instrumented, so no leak check).
addon="${TMPDIR:-/tmp}/tiphash-asan/tiphash_native.node"
mkdir -p "$(dirname "$addon")"
g++ -shared -fPIC -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -I"$(node -p "require('path').resolve(process.execPath, '../../include/node')")" \
  -I"$(node -p "require('node-addon-api').include_dir")" -o "$addon" \
  src/addon.cc src/segment.cc src/kernels_scalar.cc src/kernels_x86.cc src/cpu.cc
LD_PRELOAD="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)" ASAN_OPTIONS=detect_leaks=0 \
  node --import tsx tools/addon-check.mjs "$addon"
