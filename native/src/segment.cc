// Multi-index hashing with paired keys and in-entry filter bits.
//
// The 256 bits are sixteen 16-bit keys; keys 2j and 2j+1 form region j. With per-key probe
// radii u_k where sum(u_k + 1) >= r + 1, any hash within r of the query has some region j
// with d_j <= s_j = u_2j + u_2j+1 + 1, hence one key of that region within its u_k
// (generalised pigeonhole, Qin et al.). A table per key lists every position, grouped by the
// key's top dirBits bits; each 32-bit entry packs the position, the key's remaining bits and
// fpBits of the partner key, so most candidates die in a SIMD filter on 4 bytes without
// touching their 32-byte hash: keep only if d(key) <= u_k and d(key) + d(partner bits) <= s_j.
// The hashes themselves are sorted by key 0, so key 0's table needs no positions: 16 bits per
// entry, key 0's remaining bits and as many of key 1's as fit. Past 2^21 entries a bucket's
// entries are grouped by blocks of 2^21 positions (the directory bounds each group), so an
// entry keeps 21 position bits and at least 11 filter bits however large the segment grows.
#include "segment.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "kernels.h"

namespace tiphash {


constexpr size_t kHuge = size_t(2) << 20;
#ifndef TIPHASH_MAX_OFF_BITS
#define TIPHASH_MAX_OFF_BITS 21  // the self-test lowers it to exercise blocks on small segments
#endif
constexpr int kMaxOffBits = TIPHASH_MAX_OFF_BITS;
constexpr ptrdiff_t kPrefetchBytes = 2048;
// How many keys' buckets are fetched ahead of the one being filtered. All of them ahead (three
// separate passes) ran 2-5% slower at 100k and 1M, r = 31 (the filter then waits on lines that
// arrived long before; 10M no different within noise); a lead of 1, 2 or 4 keys within 2%.
constexpr int kLeadKeys = 2;
constexpr size_t kEarlyFetch = 256;  // candidates whose hashes are prefetched as they are found

template <typename T>
Array<T>::Array(size_t n) : n_(n) {
  size_t bytes = std::max<size_t>(n * sizeof(T), 64);
  p_ = static_cast<T*>(::operator new(bytes, std::align_val_t(bytes >= kHuge ? kHuge : 64)));
#ifdef __linux__
  if (bytes >= kHuge) madvise(p_, (bytes + kHuge - 1) & ~(kHuge - 1), MADV_HUGEPAGE);
#endif
}

template <typename T>
Array<T>& Array<T>::operator=(Array&& o) noexcept {
  if (this != &o) {
    this->~Array();
    p_ = o.p_, n_ = o.n_;
    o.p_ = nullptr, o.n_ = 0;
  }
  return *this;
}

template <typename T>
Array<T>::~Array() {
  if (!p_) return;
  size_t bytes = std::max<size_t>(n_ * sizeof(T), 64);
  ::operator delete(p_, std::align_val_t(bytes >= kHuge ? kHuge : 64));
}

template class Array<uint8_t>;
template class Array<uint16_t>;
template class Array<uint32_t>;
template class Array<uint64_t>;

namespace {

inline uint32_t keyOf(const uint64_t* h, int k) { return uint32_t(h[k >> 2] >> ((k & 3) * 16)) & 0xffffu; }

// The filter bits a table entry holds for hash h, and a query is compared with: key 0's
// remaining bits with key 1's top bits above them (16 bits); for k >= 1 the key's remaining
// bits with fpBits of its partner's top bits above them. Build and search both use these.
inline uint32_t key0Aux(const uint64_t* h, int residBits) {
  return (keyOf(h, 0) & ((1u << residBits) - 1)) | (keyOf(h, 1) >> residBits << residBits);
}
inline uint64_t keyAux(const uint64_t* h, int k, int residBits, int fpBits) {
  const uint64_t fp = fpBits ? keyOf(h, k ^ 1) >> (16 - fpBits) : 0;
  return (keyOf(h, k) & ((1u << residBits) - 1)) | (fp << residBits);
}

int bitsFor(uint64_t n) {
  int b = 1;
  while (b < 32 && (uint64_t(1) << b) < n) b++;
  return b;
}

// Probe radii per key: spread sum(u+1) = r+1 evenly, extras to one key per region first, so
// each region's filter budget stays as tight as possible.
void probeRadii(int radius, int u[kKeys]) {
  int total = radius + 1;
  int base = total / kKeys - 1, extra = total % kKeys;
  for (int k = 0; k < kKeys; k++) u[k] = base;
  static const int order[kKeys] = {0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15};
  for (int i = 0; i < extra; i++) u[order[i]]++;
}

uint64_t ballVolume(int bits, int radius) {
  uint64_t v = 0, c = 1;
  for (int i = 0; i <= radius && i <= bits; i++) {
    v += c;
    c = c * uint64_t(bits - i) / uint64_t(i + 1);
  }
  return v;
}

// Writes every dirBits-bit prefix within `radius` of `center` (with its distance) to the probe
// list from `at` and returns the new end. Radius 1 is unrolled: it is what r = 31 runs per key.
size_t addNeighbours(Probe* out, size_t at, uint32_t center, int bits, int radius, int from = 0, int used = 0) {
  out[at++] = {center, 0, 0, uint8_t(used)};
  if (used == radius) return at;
  if (radius - used == 1) {
    for (int b = from; b < bits; b++) out[at++] = {center ^ (1u << b), 0, 0, uint8_t(used + 1)};
    return at;
  }
  for (int b = from; b < bits; b++) at = addNeighbours(out, at, center ^ (1u << b), bits, radius, b + 1, used + 1);
  return at;
}

}  // namespace

void Directory::build(const std::vector<uint32_t>& offsets) {
  auto spans = [&](size_t group) {  // does every run of `group` buckets hold fewer entries than `limit`?
    const uint32_t limit = group == 8 ? 256 : 65536;
    for (size_t g = 0; g * group < offsets.size(); g++)
      if (offsets[std::min(offsets.size() - 1, g * group + group - 1)] - offsets[g * group] >= limit) return false;
    return true;
  };
  const size_t group = spans(8) ? 8 : spans(256) ? 256 : 0;
  if (group == 0) {
    full_ = Array<uint32_t>(offsets.size());
    std::copy(offsets.begin(), offsets.end(), full_.data());
    return;
  }
  base_ = Array<uint32_t>((offsets.size() + group - 1) / group);
  if (group == 8) narrow_ = Array<uint8_t>(offsets.size());
  else rel_ = Array<uint16_t>(offsets.size());
  for (size_t b = 0; b < offsets.size(); b++) {
    if (b % group == 0) base_[b / group] = offsets[b];
    if (group == 8) narrow_[b] = uint8_t(offsets[b] - base_[b / group]);
    else rel_[b] = uint16_t(offsets[b] - base_[b / group]);
  }
}

namespace {
// Prefetches a[x >> aShift] and b[x] (b may be null) for each probe's directory index x, asking
// for a line only when the previous probe did not.
template <typename A, typename B>
void prefetchLines(const Probe* p, size_t count, int shift, const A* a, int aShift, const B* b) {
  uintptr_t seenA = 0, seenB = 0;
  for (size_t i = 0; i < count; i++) {
    const size_t x = size_t(p[i].bucket) << shift;
    const uintptr_t lineA = reinterpret_cast<uintptr_t>(a + (x >> aShift)) >> 6;
    if (lineA != seenA) __builtin_prefetch(a + (x >> aShift)), seenA = lineA;
    if (!b) continue;
    const uintptr_t lineB = reinterpret_cast<uintptr_t>(b + x) >> 6;
    if (lineB != seenB) __builtin_prefetch(b + x), seenB = lineB;
  }
}
}  // namespace

void Directory::prefetch(const Probe* p, size_t count, int shift) const {
  if (narrow_.size()) return prefetchLines(p, count, shift, base_.data(), 3, narrow_.data());
  if (full_.size()) return prefetchLines(p, count, shift, full_.data(), 0, static_cast<const uint8_t*>(nullptr));
  prefetchLines(p, count, shift, base_.data(), 8, rel_.data());
}

void Directory::bounds(Probe* p, size_t count, int shift) const {
  auto fill = [&](auto at) {
    for (size_t i = 0; i < count; i++) {
      p[i].begin = at(size_t(p[i].bucket) << shift);
      p[i].end = at(size_t(p[i].bucket + 1) << shift);
    }
  };
  if (narrow_.size()) {
    const uint32_t* base = base_.data();
    const uint8_t* narrow = narrow_.data();
    return fill([=](size_t b) { return base[b >> 3] + narrow[b]; });
  }
  if (full_.size()) {
    const uint32_t* full = full_.data();
    return fill([=](size_t b) { return full[b]; });
  }
  const uint32_t* base = base_.data();
  const uint16_t* rel = rel_.data();
  fill([=](size_t b) { return base[b >> 8] + rel[b]; });
}

// Prefetches every line the filter will read of each probe's bucket in `table` (entries of
// `width` bytes): its aligned sixteens, the usual number of lines (`lines`, or kLines when that
// is not zero) without a branch on the bucket's length, then any more up to 2 KiB (the hardware
// prefetcher would only catch up later: 10M, r = 31, 15k q/s against 10.7k prefetching 2 lines).
// Stepping from the bucket's first byte, as this once did, missed its last line whenever it
// began late in a line. Returns the entries the buckets hold.
template <unsigned kLines>
size_t prefetchBuckets(const char* table, size_t width, const Probe* p, size_t count, unsigned lines) {
  if (kLines) lines = kLines;
  size_t total = 0;
  for (size_t i = 0; i < count; i++) {
    total += p[i].end - p[i].begin;
    const uintptr_t first = reinterpret_cast<uintptr_t>(table + (p[i].begin & ~15u) * width) & ~uintptr_t(63);
    for (unsigned l = 0; l < lines; l++) __builtin_prefetch(reinterpret_cast<const char*>(first + 64 * l));
    const uintptr_t stop = std::min(reinterpret_cast<uintptr_t>(table + p[i].end * width), first + kPrefetchBytes);
    for (uintptr_t line = first + 64 * lines; line < stop; line += 64) __builtin_prefetch(reinterpret_cast<const char*>(line));
  }
  return total;
}

size_t Segment::bytes() const {
  size_t b = sizeof(Segment) + hashes.size() * 8 + ids.size() * 4;
  b += table0.size() * 2;
  for (int k = 0; k < kKeys; k++) b += dir[k].bytes() + table[k].size() * 4;
  return b;
}

std::shared_ptr<Segment> buildSegment(const std::vector<Source>& sources) {
  auto s = std::make_shared<Segment>();
  uint64_t live = 0;
  for (const auto& src : sources)
    for (uint32_t i = 0; i < src.count; i++) live += !(src.hidden && src.hidden[i]);
  if (live >= (uint64_t(1) << 32)) throw std::length_error("a segment holds fewer than 2^32 entries");
  uint32_t n = uint32_t(live);
  s->n = n;
  s->posBits = bitsFor(n);
  // Buckets of 14-28 entries: longer buckets cost more lines per query than the extra
  // directory entries (measured at 1M, r = 31, directories prefetched a pass ahead: 16 bits,
  // ~15 entries, 77-82k q/s against 66-70k at 15 bits).
  s->dirBits = 0;
  while (s->dirBits < 16 && (uint64_t(1) << (s->dirBits + 1)) * 14 <= n) s->dirBits++;
  const int residBits = 16 - s->dirBits;
  s->offBits = std::min(s->posBits, kMaxOffBits);
  s->blockBits = s->posBits - s->offBits;
  s->fpBits = std::clamp(32 - s->offBits - residBits, 0, 16);
  // Sixteens a bucket spans, at a random offset, in all but a few percent of buckets: its mean
  // length, 1.6 standard deviations (entries per bucket are Poisson) and half a sixteen.
  const double mean = double(n) / double(uint64_t(1) << s->dirBits);
  s->sixteens = unsigned(std::ceil((mean + 1.6 * std::sqrt(mean) + 8) / 16));
#ifdef TIPHASH_SIXTEENS  // the self-test sets it to reach the filter kernels' other paths
  s->sixteens = TIPHASH_SIXTEENS;
#endif

  // Counting sort by key 0 places every hash at its final position.
  std::vector<uint32_t> start(65537, 0);
  for (const auto& src : sources)
    for (uint32_t i = 0; i < src.count; i++)
      if (!(src.hidden && src.hidden[i])) start[keyOf(src.hashes + size_t(i) * kWords, 0) + 1]++;
  for (int k = 0; k < 65536; k++) start[k + 1] += start[k];
  const int shift = 16 - s->dirBits;
  const size_t buckets = size_t(1) << s->dirBits;
  std::vector<uint32_t> offsets(buckets + 1);
  for (size_t b = 0; b < buckets; b++) offsets[b] = start[b << shift];
  offsets[buckets] = n;
  s->dir[0].build(offsets);
  s->hashes = Array<uint64_t>(size_t(n) * kWords);
  s->ids = Array<uint32_t>(n);
  for (const auto& src : sources)
    for (uint32_t i = 0; i < src.count; i++) {
      if (src.hidden && src.hidden[i]) continue;
      const uint64_t* h = src.hashes + size_t(i) * kWords;
      uint32_t at = start[keyOf(h, 0)]++;
      std::copy(h, h + kWords, s->hashes.data() + size_t(at) * kWords);
      s->ids[at] = src.ids[i];
    }

  // Key 0's table: no position needed, the index is the position.
  s->table0 = Array<uint16_t>(n);
  for (uint32_t i = 0; i < n; i++) s->table0[i] = uint16_t(key0Aux(s->hashes.data() + size_t(i) * kWords, residBits));
  const int bb = s->blockBits, off = s->offBits;
  const uint32_t offMask = uint32_t((uint64_t(1) << off) - 1);
  const size_t groups = buckets << bb;
  std::vector<uint32_t> subOffsets(groups + 1);
  std::vector<uint32_t> fill;
  for (int k = 1; k < kKeys; k++) {
    std::fill(subOffsets.begin(), subOffsets.end(), 0u);
    const uint64_t* h = s->hashes.data();
    for (uint32_t i = 0; i < n; i++) subOffsets[(size_t(keyOf(h + size_t(i) * kWords, k) >> shift) << bb | (i >> off)) + 1]++;
    for (size_t g = 1; g <= groups; g++) subOffsets[g] += subOffsets[g - 1];
    s->dir[k].build(subOffsets);
    fill.assign(subOffsets.begin(), subOffsets.end() - 1);
    s->table[k] = Array<uint32_t>(n);
    for (uint32_t i = 0; i < n; i++) {
      const uint64_t* hi = h + size_t(i) * kWords;
      const uint64_t aux = keyAux(hi, k, residBits, s->fpBits);
      s->table[k][fill[size_t(keyOf(hi, k) >> shift) << bb | (i >> off)]++] = uint32_t((i & offMask) | (aux << off));
    }
  }
  return s;
}

void bruteForce(const uint64_t* hashes, uint32_t count, const uint64_t* query, int radius, std::vector<Hit>& hits) {
  kernels().scan(hashes, 0, count, query, radius, hits);
}

void searchSegment(const Segment& s, const uint64_t* q, int radius, Scratch& scratch) {
  auto& hits = scratch.hits;
  const size_t first = hits.size();
  if (s.n == 0 || radius < 0) return;
  const Kernels& kx = kernels();
  int u[kKeys];
  probeRadii(radius, u);
  // Past a point the probes cover most of every table: a straight scan is cheaper.
  uint64_t volume[kKeys], most = 0;  // buckets probed per key (the radii take two values)
  for (int k = 0; k < kKeys; k++) {
    volume[k] = u[k] < 0 ? 0 : k > 0 && u[k] == u[k - 1] ? volume[k - 1] : ballVolume(s.dirBits, u[k]);
    most += volume[k];
  }
  if (double(most) / double(uint64_t(1) << s.dirBits) > kMaxCoverage) {
    kx.scan(s.hashes.data(), 0, s.n, q, radius, hits);
    return;
  }
  const int shift = 16 - s.dirBits, residBits = shift;
  const int bb = s.blockBits, off = s.offBits;
  const uint32_t offMask = uint32_t((uint64_t(1) << off) - 1);
  const uint32_t keyMask = uint32_t(uint64_t((1u << residBits) - 1) << off);
  const uint32_t auxMask = ~offMask;
  const uint64_t* h = s.hashes.data();

  // Passes so that memory misses overlap: list every bucket to probe (prefetching its directory
  // entry), then read their bounds (prefetching their entries) a couple of keys ahead of the
  // filter. Walking the buckets one by one waits on each miss in turn; the tables are far larger
  // than the cache. (How far ahead matters little: the prefetches are held back by how many
  // misses a core keeps in flight, not by what waits on them.)
  auto& probes = scratch.probes;
  if (probes.size() < most) probes.resize(most);
  Probe* pr = probes.data();
  size_t keyEnd[kKeys + 1] = {0};
  uint32_t qwords[kKeys] = {0};
  const uint32_t residMask = (1u << residBits) - 1;
  for (int k = 0; k < kKeys; k++) {
    keyEnd[k + 1] = keyEnd[k];
    if (u[k] < 0) continue;
    qwords[k] = k == 0 ? key0Aux(q, residBits) : uint32_t(keyAux(q, k, residBits, s.fpBits) << off);
    keyEnd[k + 1] = addNeighbours(pr, keyEnd[k], keyOf(q, k) >> shift, s.dirBits, u[k]);
    s.dir[k].prefetch(pr + keyEnd[k], keyEnd[k + 1] - keyEnd[k], k == 0 ? 0 : bb);  // key 0's has no blocks
  }
  // Lines a bucket's usual sixteens span: key 0's 2-byte sixteens may start mid-line, one more.
  auto usualLines = [&](size_t width) {
    return std::min<unsigned>((s.sixteens * 16 * width + 63) / 64 + (width == 2), kPrefetchBytes / 64);
  };
  const unsigned lines0 = usualLines(2), linesK = usualLines(4);
  // One key at a time, so its table, directory format and line count are chosen once per key:
  // read its buckets' bounds and prefetch their lines, kLeadKeys keys ahead of the filter.
  size_t keyTotal[kKeys] = {0};  // entries in the key's buckets
  auto fetchKey = [&](int k) {
    Probe* kp = pr + keyEnd[k];
    const size_t count = keyEnd[k + 1] - keyEnd[k];
    if (count == 0) return;
    s.dir[k].bounds(kp, count, k == 0 ? 0 : bb);
    const char* table = k == 0 ? reinterpret_cast<const char*>(s.table0.data())
                               : reinterpret_cast<const char*>(s.table[k].data());
    const size_t width = k == 0 ? 2 : 4;
    const unsigned lines = k == 0 ? lines0 : linesK;
    keyTotal[k] = lines == 2 ? prefetchBuckets<2>(table, width, kp, count, lines)
                             : prefetchBuckets<0>(table, width, kp, count, lines);
  };
  auto& cand = scratch.cand;
  size_t nc = 0;
  for (int k = 0; k < kLeadKeys; k++) fetchKey(k);
  for (int k = 0; k < kKeys; k++) {
    if (k + kLeadKeys < kKeys) fetchKey(k + kLeadKeys);
    const Probe* kp = pr + keyEnd[k];
    const size_t count = keyEnd[k + 1] - keyEnd[k];
    if (count == 0) continue;
    if (cand.size() < nc + keyTotal[k] + 16) cand.resize(std::max(cand.size() * 2, nc + keyTotal[k] + 16));
    const int region = u[k] + u[k ^ 1] + 1;
    const size_t from = nc;
    if (k == 0) {
      // Key 0's table runs parallel to the hashes: an index is a position.
      nc += kx.filter16(s.table0.data(), kp, count, qwords[0], residMask, 0xffffu, u[0], region, s.sixteens, 0,
                        cand.data() + nc);
    } else {
      // Without blocks an entry holds its whole position, which the filter writes out.
      const uint32_t* table = s.table[k].data();
      nc += kx.filter(table, kp, count, qwords[k], keyMask, auxMask, u[k], region, s.sixteens, bb == 0 ? offMask : 0,
                      cand.data() + nc);
      // Else table indices to positions: the block comes from which group of the bucket holds the entry.
      if (bb > 0) {
        size_t p = 0, group = 0;
        uint32_t groupEnd = 0;
        auto outside = [&](uint32_t idx) { return idx < kp[p].begin || idx >= kp[p].end; };
        for (size_t c = from; c < nc; c++) {
          const uint32_t idx = cand[c];
          if (c == from || outside(idx)) {  // the first of a probe's survivors (they come in probe order)
            while (outside(idx)) p++;
            group = size_t(kp[p].bucket) << bb;
            groupEnd = s.dir[k].at(group + 1);
          }
          while (idx >= groupEnd) groupEnd = s.dir[k].at(++group + 1);
          cand[c] = uint32_t((group & ((size_t(1) << bb) - 1)) << off) | (table[idx] & offMask);
        }
      }
    }
    // Start fetching the survivors' hashes now, while the next keys are filtered; past a few
    // hundred (large radii) the burst would stall the filter and evict itself before the verify
    // (measured at 10M, r = 47: 1.31 ms a query against 1.19 without), so verify fetches those.
    for (size_t c = from; c < nc && c < kEarlyFetch; c++) __builtin_prefetch(h + size_t(cand[c]) * kWords);
  }
  kx.verify(h, cand.data(), nc, q, radius, hits);
  // A hash close to the query usually passes through several keys: keep each position once.
  std::sort(hits.begin() + first, hits.end(), [](const Hit& a, const Hit& b) { return a.pos < b.pos; });
  hits.erase(std::unique(hits.begin() + first, hits.end(), [](const Hit& a, const Hit& b) { return a.pos == b.pos; }),
             hits.end());
}

}  // namespace tiphash
