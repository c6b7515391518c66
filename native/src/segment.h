// One immutable segment of the Hamming index: 256-bit hashes, multi-index hashed on sixteen
// 16-bit keys. See segment.cc for the layout and why it is shaped this way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tiphash {

constexpr int kKeys = 16;       // 16 keys of 16 bits cover the 256-bit hash
constexpr int kWords = 4;       // 64-bit words per hash
// Probing costs more than a scan once the probed buckets add up to this fraction of a table
// per key summed over keys (measured at 1M: r = 47 probes 6x faster than a scan, r = 63 ties).
constexpr double kMaxCoverage = 0.25;

// A fixed-size array for the big tables: 2 MiB aligned and, on Linux, backed by huge pages,
// since each query touches a few hundred random places in tables of hundreds of megabytes
// and 4 KiB pages would cost a TLB miss at each. Hashes stay 64-byte aligned within it.
template <typename T>
class Array {
 public:
  Array() = default;
  explicit Array(size_t n);
  Array(Array&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  Array& operator=(Array&& o) noexcept;
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  ~Array();
  T* data() { return p_; }
  const T* data() const { return p_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// One bucket to read: its bounds in its key's table, and the distance of its key bits from the
// query's (those the directory holds).
struct Probe {
  uint32_t bucket;
  uint32_t begin, end;
  uint8_t dpre;
};

// Bucket offsets in as few bytes as they fit: a 32-bit base per 8 buckets plus an 8-bit offset
// per bucket (1.5 bytes a bucket) when no 8 buckets hold 256 entries or more; else a 32-bit
// base per 256 buckets plus a 16-bit offset (2 bytes a bucket); else plain 32-bit offsets.
// (Interleaving bases and offsets, so a bucket's bounds sit in one cache line, measured no
// faster: 11.9 against 11.6 us a query at 1M, r = 31.)
class Directory {
 public:
  void build(const std::vector<uint32_t>& offsets);  // buckets + 1 running totals
  uint32_t at(size_t b) const {
    if (narrow_.size()) return base_[b >> 3] + narrow_[b];
    return full_.size() ? full_[b] : base_[b >> 8] + rel_[b];
  }
  // Prefetches what bounds() will read for these probes. A line the previous probe asked for is
  // not asked for again: a bucket's one-bit neighbours in its low bits share its lines, and
  // asking again for a line still in flight stalls like a miss (1M, r = 31: 7.2 us a query,
  // against 7.8 asking for every probe).
  void prefetch(const Probe* p, size_t count, int shift) const;
  // Writes the bounds of each probe's bucket (its bucket number shifted left by `shift`, the
  // blocks of a bucket being consecutive groups) to its begin and end, the format chosen once.
  void bounds(Probe* p, size_t count, int shift) const;
  size_t bytes() const { return base_.size() * 4 + full_.size() * 4 + rel_.size() * 2 + narrow_.size(); }

 private:
  Array<uint32_t> base_, full_;
  Array<uint16_t> rel_;
  Array<uint8_t> narrow_;
};

struct Segment {
  uint32_t n = 0;
  int posBits = 1;    // bits of a position
  int offBits = 1;    // bits of a table entry holding the position within its block
  int blockBits = 0;  // posBits - offBits: tables group each bucket's entries by block
  int dirBits = 0;    // bits of each key used by the directories
  int fpBits = 0;     // partner-key bits stored in a table entry as a filter
  unsigned sixteens = 1;  // aligned sixteens of entries a bucket usually spans (see kernels.h)
  Array<uint64_t> hashes;            // n * 4 words, sorted by key 0
  Array<uint32_t> ids;               // caller's id per position
  Directory dir[kKeys];              // key 0: bucket bounds in hashes; others: (bucket, block) bounds
  Array<uint16_t> table0;            // key 0: aux bits per position (the hashes are sorted by key 0)
  Array<uint32_t> table[kKeys];      // keys 1..15: entry = pos % block | aux << offBits
  size_t bytes() const;
};

using SegmentPtr = std::shared_ptr<const Segment>;

// One source of entries for building a segment; `hidden` (may be null) flags entries to drop.
struct Source {
  const uint32_t* ids = nullptr;
  const uint64_t* hashes = nullptr;   // count * 4 words (unaligned allowed)
  uint32_t count = 0;
  const uint8_t* hidden = nullptr;
};

std::shared_ptr<Segment> buildSegment(const std::vector<Source>& sources);

// A hit: position in its segment and distance. Callers map positions to ids.
struct Hit {
  uint32_t pos;
  uint32_t dist;
};

// Scratch space reused across queries so a query allocates nothing in the steady state.
struct Scratch {
  std::vector<Probe> probes;
  std::vector<uint32_t> cand;
  std::vector<Hit> hits;
};

// Appends every entry within `radius` of `query` (4 words) to scratch.hits, deduplicated.
void searchSegment(const Segment& s, const uint64_t* query, int radius, Scratch& scratch);
// Brute-force scan of `count` hashes (4 words each); appends hits (positions into `hashes`).
void bruteForce(const uint64_t* hashes, uint32_t count, const uint64_t* query, int radius, std::vector<Hit>& hits);

// The instruction set chosen at run time: "avx512", "avx2", "popcnt" or "generic".
const char* simdLevel();

}  // namespace tiphash
