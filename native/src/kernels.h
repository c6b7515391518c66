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
  // One key's filter over its probed buckets: for each probe p, keeps the table entries e in
  // [p.begin, p.end) whose bits are close enough to the query word q: with x = e ^ q,
  // popcount(x & keyMask) <= keyBudget - p.dpre and popcount(x & auxMask) <= regionBudget - p.dpre.
  // Writes the table index of each kept entry to out (room for the probes' entries + 16), in
  // probe order, and returns how many. Key 0's table holds 16-bit entries, the others 32-bit.
  // Reads only the aligned sixteens of entries that hold some of a bucket (so only the cache
  // lines searchSegment prefetched); `fixed` is how many of them a bucket usually spans, which a
  // kernel may walk without a branch on each bucket's length. With a nonzero posMask it writes
  // the kept entry's bits under posMask (its position, in a segment without blocks) instead of
  // its index, which saves reading the entry again.
  size_t (*filter)(const uint32_t* table, const Probe* probes, size_t count, uint32_t q, uint32_t keyMask,
                   uint32_t auxMask, int keyBudget, int regionBudget, unsigned fixed, uint32_t posMask,
                   uint32_t* out);
  size_t (*filter16)(const uint16_t* table, const Probe* probes, size_t count, uint32_t q, uint32_t keyMask,
                     uint32_t auxMask, int keyBudget, int regionBudget, unsigned fixed, uint32_t posMask,
                     uint32_t* out);
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
