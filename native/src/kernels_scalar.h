// Scalar loop bodies, inlined into a generic and a popcnt-targeted instantiation: the same
// source compiles to a bit-trick popcount or to the popcnt instruction.
#pragma once
#include "kernels.h"

#define TIPHASH_INLINE inline __attribute__((always_inline))

namespace tiphash::scalar {

template <typename Entry>
TIPHASH_INLINE size_t filter(const Entry* table, const Probe* probes, size_t count, uint32_t q, uint32_t keyMask,
                             uint32_t auxMask, int keyBudget, int regionBudget, uint32_t posMask, uint32_t* out) {
  size_t n = 0;
  for (size_t p = 0; p < count; p++) {
    const int kb = keyBudget - probes[p].dpre, rb = regionBudget - probes[p].dpre;
    for (uint32_t i = probes[p].begin; i < probes[p].end; i++) {
      uint32_t x = uint32_t(table[i]) ^ q;
      out[n] = posMask ? uint32_t(table[i]) & posMask : i;
      n += (__builtin_popcount(x & keyMask) <= kb) & (__builtin_popcount(x & auxMask) <= rb);
    }
  }
  return n;
}

TIPHASH_INLINE int distance(const uint64_t* a, const uint64_t* b) {
  return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) + __builtin_popcountll(a[2] ^ b[2]) +
         __builtin_popcountll(a[3] ^ b[3]);
}

TIPHASH_INLINE void scan(const uint64_t* h, uint32_t begin, uint32_t end, const uint64_t* q, int radius,
                         std::vector<Hit>& hits) {
  for (uint32_t i = begin; i < end; i++) {
    int d = distance(h + size_t(i) * kWords, q);
    if (d <= radius) hits.push_back({i, uint32_t(d)});
  }
}

TIPHASH_INLINE void verify(const uint64_t* h, const uint32_t* cand, size_t count, const uint64_t* q, int radius,
                           std::vector<Hit>& hits) {
  constexpr size_t ahead = 24;  // candidates are random positions: keep several loads in flight
  for (size_t i = 0; i < count; i++) {
    if (i + ahead < count) __builtin_prefetch(h + size_t(cand[i + ahead]) * kWords);
    int d = distance(h + size_t(cand[i]) * kWords, q);
    if (d <= radius) hits.push_back({cand[i], uint32_t(d)});
  }
}

}  // namespace tiphash::scalar
