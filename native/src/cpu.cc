// Picks the loop variants once per process from what the CPU reports, not from compile flags.
#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace tiphash {

namespace {
Kernels choose() {
  // TIPHASH_SIMD=generic|popcnt|avx2 caps the level, so tests can exercise every path on one machine.
  const char* cap = std::getenv("TIPHASH_SIMD");
  auto allowed = [cap](const char* level) {
    if (!cap || !*cap) return true;
    const char* order[] = {"generic", "popcnt", "avx2", "avx512"};
    int capAt = -1, levelAt = -1;
    for (int i = 0; i < 4; i++) {
      if (std::strcmp(order[i], cap) == 0) capAt = i;
      if (std::strcmp(order[i], level) == 0) levelAt = i;
    }
    return capAt < 0 || levelAt <= capAt;
  };
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (allowed("avx512") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vpopcntdq"))
    return avx512Kernels();
  if (allowed("avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return avx2Kernels();
  if (allowed("popcnt") && __builtin_cpu_supports("popcnt")) return popcntKernels();
  return genericKernels();
#else
  // aarch64: the compiler's popcount lowers to NEON cnt; no dispatch needed.
  return allowed("popcnt") ? popcntKernels() : genericKernels();
#endif
}
}  // namespace

const Kernels& kernels() {
  static const Kernels chosen = choose();
  return chosen;
}

const char* simdLevel() { return kernels().name; }

}  // namespace tiphash
