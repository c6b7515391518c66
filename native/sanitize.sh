#!/usr/bin/env bash
# Builds the segment core with AddressSanitizer and UndefinedBehaviorSanitizer and runs the
# self-test at every SIMD level this CPU has. (valgrind cannot run the AVX-512 paths.)
set -euo pipefail
cd "$(dirname "$0")"
out="${TMPDIR:-/tmp}/tiphash-selftest-asan"
# As shipped; with 10-bit blocks so segments of a few thousand entries use blocks; and with a
# bucket's unconditional sixteens forced to 1 and to 5, so the filter kernels' loop for longer
# buckets (segments of millions) runs on small ones too.
for flags in "-DTIPHASH_MAX_OFF_BITS=21" "-DTIPHASH_MAX_OFF_BITS=10" "-DTIPHASH_SIXTEENS=1" "-DTIPHASH_SIXTEENS=5"; do
  g++ -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
    $flags -o "$out" tools/selftest.cc src/segment.cc src/kernels_scalar.cc \
    src/kernels_x86.cc src/cpu.cc
  for level in generic popcnt avx2 avx512; do
    echo -n "$flags: "
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
