// AVX2 and AVX-512 loops. Each function carries its own target attribute, so this file is
// compiled for baseline x86-64 and only runs these paths where cpu.cc found the instructions.
#if defined(__x86_64__) || defined(_M_X64)
// GCC 12's AVX-512 headers trip its own uninitialised-value warnings (_mm512_undefined).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels_scalar.h"

namespace tiphash {

namespace {

#define TIPHASH_AVX2 __attribute__((target("avx2,popcnt")))
#define TIPHASH_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512vpopcntdq,avx2,popcnt")))

// Per-byte popcount through a nibble table, then summed per 32-bit lane.
TIPHASH_AVX2 inline __m256i popcnt32(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x, low)),
                              _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
  return _mm256_madd_epi16(_mm256_maddubs_epi16(c, _mm256_set1_epi8(1)), _mm256_set1_epi16(1));
}

// Eight entries widened to 32-bit lanes.
TIPHASH_AVX2 inline __m256i load8(const uint32_t* e) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(e)); }
TIPHASH_AVX2 inline __m256i load8(const uint16_t* e) {
  return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(e)));
}

template <typename Entry>
TIPHASH_AVX2 size_t filterAvx2(const Entry* table, const Probe* probes, size_t count, uint32_t q, uint32_t km,
                               uint32_t am, int kb, int rb, unsigned, uint32_t pm, uint32_t* out) {
  const __m256i vq = _mm256_set1_epi32(int(q)), vkm = _mm256_set1_epi32(int(km)), vam = _mm256_set1_epi32(int(am));
  size_t n = 0;
  for (size_t p = 0; p < count; p++) {
    const Probe& pr = probes[p];
    const __m256i vkb = _mm256_set1_epi32(kb - pr.dpre), vrb = _mm256_set1_epi32(rb - pr.dpre);
    uint32_t i = pr.begin;
    for (; i + 8 <= pr.end; i += 8) {
      __m256i x = _mm256_xor_si256(load8(table + i), vq);
      __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi32(popcnt32(_mm256_and_si256(x, vkm)), vkb),
                                    _mm256_cmpgt_epi32(popcnt32(_mm256_and_si256(x, vam)), vrb));
      unsigned keep = ~unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(bad))) & 0xffu;
      for (; keep; keep &= keep - 1) {
        const uint32_t at = i + uint32_t(__builtin_ctz(keep));
        out[n++] = pm ? uint32_t(table[at]) & pm : at;
      }
    }
    Probe tail = pr;
    tail.begin = i;
    n += scalar::filter(table, &tail, 1, q, km, am, kb, rb, pm, out + n);
  }
  return n;
}

TIPHASH_AVX2 inline int distanceAvx2(const uint64_t* h, __m256i vq) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i x = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h)), vq);
  __m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(x, low)),
                              _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
  __m256i s = _mm256_sad_epu8(c, _mm256_setzero_si256());
  __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  return int(_mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1));
}

TIPHASH_AVX2 void scanAvx2(const uint64_t* h, uint32_t begin, uint32_t end, const uint64_t* q, int radius,
                           std::vector<Hit>& hits) {
  const __m256i vq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  for (uint32_t i = begin; i < end; i++) {
    int d = distanceAvx2(h + size_t(i) * kWords, vq);
    if (d <= radius) hits.push_back({i, uint32_t(d)});
  }
}

TIPHASH_AVX2 void verifyAvx2(const uint64_t* h, const uint32_t* cand, size_t count, const uint64_t* q, int radius,
                             std::vector<Hit>& hits) {
  const __m256i vq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  for (size_t i = 0; i < count; i++) {
    if (i + 24 < count) _mm_prefetch(reinterpret_cast<const char*>(h + size_t(cand[i + 24]) * kWords), _MM_HINT_T0);
    int d = distanceAvx2(h + size_t(cand[i]) * kWords, vq);
    if (d <= radius) hits.push_back({cand[i], uint32_t(d)});
  }
}

// Up to sixteen entries (live lanes) widened to 32-bit lanes.
TIPHASH_AVX512 inline __m512i load16(const uint32_t* e, __mmask16 live) { return _mm512_maskz_loadu_epi32(live, e); }
TIPHASH_AVX512 inline __m512i load16(const uint16_t* e, __mmask16 live) {
  return _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(live, e));
}

// The live lanes of the sixteen starting at entry i (a multiple of 16): those in [begin, end).
inline __mmask16 liveLanes(uint32_t i, uint32_t begin, uint32_t end) {
  const uint32_t lo = begin > i ? std::min(begin - i, 16u) : 0, hi = end > i ? std::min(end - i, 16u) : 0;
  return __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// One sixteen at `at`: the indices (from i) of its live entries that pass, or with kPositions
// their bits under vpm, compressed into out (all 16 lanes stored; out has slack); returns how
// many. A compressing store to memory is microcoded and slow on AMD Zen 4/5, so the compress
// stays in a register. kKeyBits: whether the entries hold key bits to test (not when the
// directory takes the whole key).
template <bool kKeyBits, bool kPositions, typename Entry>
TIPHASH_AVX512 inline size_t sixteen(const Entry* at, uint32_t i, __mmask16 live, __m512i vq, __m512i vkm, __m512i vam,
                                     __m512i vkb, __m512i vrb, __m512i vpm, uint32_t* out) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i e = load16(at, live);
  const __m512i x = _mm512_xor_si512(e, vq);
  __mmask16 keep = live;
  if (kKeyBits) keep = _mm512_mask_cmple_epi32_mask(keep, _mm512_popcnt_epi32(_mm512_and_si512(x, vkm)), vkb);
  keep = _mm512_mask_cmple_epi32_mask(keep, _mm512_popcnt_epi32(_mm512_and_si512(x, vam)), vrb);
  const __m512i value = kPositions ? _mm512_and_si512(e, vpm) : _mm512_add_epi32(_mm512_set1_epi32(int(i)), lanes);
  _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(keep, value));
  return size_t(__builtin_popcount(keep));
}

// Sixteens aligned to 16 entries: a load never spans two cache lines, nor touches a line the
// bucket does not use (a masked load still waits for the lines its masked-off lanes fall in).
// The first `fixed` sixteens of a bucket run without a branch on its length or on what they keep:
// at 1M a bucket of ~15 entries spans one sixteen or two at random, and mispredicting which cost
// more than the work saved (1M, r = 31, with the prefetch fix: 12.1 us a query against 8.8). An
// empty sixteen reloads the bucket's first one rather than a line past the bucket. Their lanes
// come from one 64-bit mask (so up to four of them), and the key-bit test is compiled out where
// the directory takes the whole key: together they halved the filter's own time (cache-hot
// at 1M: 6.8k against 3.1k cycles a query).
template <bool kKeyBits, bool kPositions, typename Entry>
TIPHASH_AVX512 size_t filterProbes(const Entry* table, const Probe* probes, size_t count, uint32_t q, uint32_t km,
                                   uint32_t am, int kb, int rb, unsigned fixed, uint32_t pm, uint32_t* out) {
  const __m512i vq = _mm512_set1_epi32(int(q)), vkm = _mm512_set1_epi32(int(km)), vam = _mm512_set1_epi32(int(am));
  const __m512i vpm = _mm512_set1_epi32(int(pm));
  size_t n = 0;
  for (size_t p = 0; p < count; p++) {
    const Probe& pr = probes[p];
    const __m512i vkb = _mm512_set1_epi32(kb - pr.dpre), vrb = _mm512_set1_epi32(rb - pr.dpre);
    const uint32_t first = pr.begin & ~15u, lo = pr.begin & 15u, len = pr.end - pr.begin;
    uint32_t i = first;
    if (fixed <= 4 && lo + len <= 64) {
      // The bucket's lanes over its first four sixteens, as one 64-bit mask.
      const uint64_t bucket = (len == 64 ? ~uint64_t(0) : (uint64_t(1) << len) - 1) << lo;
      for (unsigned f = 0; f < fixed; f++, i += 16) {
        const __mmask16 live = __mmask16(bucket >> (16 * f));
        n += sixteen<kKeyBits, kPositions>(table + (live ? i : first), i, live, vq, vkm, vam, vkb, vrb, vpm, out + n);
      }
    }
    for (; i < pr.end; i += 16)
      n += sixteen<kKeyBits, kPositions>(table + i, i, liveLanes(i, pr.begin, pr.end), vq, vkm, vam, vkb, vrb, vpm,
                                         out + n);
  }
  return n;
}

template <typename Entry>
TIPHASH_AVX512 size_t filterAvx512(const Entry* table, const Probe* probes, size_t count, uint32_t q, uint32_t km,
                                   uint32_t am, int kb, int rb, unsigned fixed, uint32_t pm, uint32_t* out) {
  if (pm) {
    return km ? filterProbes<true, true>(table, probes, count, q, km, am, kb, rb, fixed, pm, out)
              : filterProbes<false, true>(table, probes, count, q, km, am, kb, rb, fixed, pm, out);
  }
  return km ? filterProbes<true, false>(table, probes, count, q, km, am, kb, rb, fixed, pm, out)
            : filterProbes<false, false>(table, probes, count, q, km, am, kb, rb, fixed, pm, out);
}

// Distances of the two 256-bit hashes in one 512-bit register, in lanes 0 and 4.
TIPHASH_AVX512 inline __m512i pairDistances(__m512i x) {
  __m512i c = _mm512_popcnt_epi64(x);
  c = _mm512_add_epi64(c, _mm512_shuffle_i64x2(c, c, _MM_SHUFFLE(2, 3, 0, 1)));  // 128-bit halves
  return _mm512_add_epi64(c, _mm512_shuffle_epi32(c, _MM_PERM_BADC));               // 64-bit halves
}

TIPHASH_AVX512 void scanAvx512(const uint64_t* h, uint32_t begin, uint32_t end, const uint64_t* q, int radius,
                               std::vector<Hit>& hits) {
  const __m256i q1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  const __m512i vq = _mm512_broadcast_i64x4(q1);
  const __m512i vr = _mm512_set1_epi64(radius);
  uint32_t i = begin;
  for (; i + 2 <= end; i += 2) {
    __m512i d = pairDistances(_mm512_xor_si512(_mm512_loadu_si512(h + size_t(i) * kWords), vq));
    __mmask8 m = _mm512_mask_cmple_epu64_mask(0x11, d, vr);
    if (m) {
      alignas(64) uint64_t lanes[8];
      _mm512_store_si512(lanes, d);
      if (m & 0x01) hits.push_back({i, uint32_t(lanes[0])});
      if (m & 0x10) hits.push_back({i + 1, uint32_t(lanes[4])});
    }
  }
  if (i < end) scalar::scan(h, i, end, q, radius, hits);
}

TIPHASH_AVX512 inline int distanceAvx512(const uint64_t* h, __m256i vq) {
  __m256i c = _mm256_popcnt_epi64(_mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h)), vq));
  __m128i t = _mm_add_epi64(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
  return int(_mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1));
}

TIPHASH_AVX512 void verifyAvx512(const uint64_t* h, const uint32_t* cand, size_t count, const uint64_t* q, int radius,
                                 std::vector<Hit>& hits) {
  const __m256i vq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  for (size_t i = 0; i < count; i++) {
    if (i + 24 < count) _mm_prefetch(reinterpret_cast<const char*>(h + size_t(cand[i + 24]) * kWords), _MM_HINT_T0);
    int d = distanceAvx512(h + size_t(cand[i]) * kWords, vq);
    if (d <= radius) hits.push_back({cand[i], uint32_t(d)});
  }
}

}  // namespace

Kernels avx2Kernels() { return {"avx2", filterAvx2<uint32_t>, filterAvx2<uint16_t>, scanAvx2, verifyAvx2}; }
Kernels avx512Kernels() {
  return {"avx512", filterAvx512<uint32_t>, filterAvx512<uint16_t>, scanAvx512, verifyAvx512};
}

}  // namespace tiphash
#endif
