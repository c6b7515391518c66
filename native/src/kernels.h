// The inner loops, compiled once per instruction set and chosen at run time (cpu.cc), so one
// build runs on any x86-64 (baseline without popcnt) and on aarch64.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "segment.h"

namespace tiphash {

struct Kernels {
  const char* name;
  // Keeps table entries e whose aux bits are close enough to the query's: with x = e ^ q,
  // popcount(x & keyMask) <= keyBudget and popcount(x & auxMask) <= regionBudget.
  // Writes base + i for each kept entry i to out (room for `count` + 16) and returns how many.
  size_t (*filter)(const uint32_t* entries, size_t count, uint32_t q, uint32_t keyMask, uint32_t auxMask,
                   uint32_t base, int keyBudget, int regionBudget, uint32_t* out);
  // Appends hashes[begin..end) within radius of query, as positions.
  void (*scan)(const uint64_t* hashes, uint32_t begin, uint32_t end, const uint64_t* query, int radius,
               std::vector<Hit>& hits);
  // Appends the candidate positions within radius of query.
  void (*verify)(const uint64_t* hashes, const uint32_t* cand, size_t count, const uint64_t* query, int radius,
                 std::vector<Hit>& hits);
};

const Kernels& kernels();

Kernels genericKernels();
Kernels popcntKernels();
#if defined(__x86_64__) || defined(_M_X64)
Kernels avx2Kernels();
Kernels avx512Kernels();
#endif

}  // namespace tiphash
