// Standalone measurement of the segment core (no Node): build N random hashes, plant queries
// within radius/2 of entries, time searches and check them against a brute-force scan.
// Used to choose the layout (native/sanitize.sh runs the self-test, not this).
//   probe [N] [radius] [queries] [checks] [distinct]
// With `distinct` the queries cycle through that many: 1 keeps everything a query reads in the
// cache, so the time is its computation alone.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>

#include "../src/segment.h"

using namespace tiphash;

static uint64_t sm(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int main(int argc, char** argv) {
  uint32_t n = argc > 1 ? uint32_t(atol(argv[1])) : 1000000;
  int radius = argc > 2 ? atoi(argv[2]) : 31;
  int queries = argc > 3 ? atoi(argv[3]) : 2000;
  int checks = argc > 4 ? atoi(argv[4]) : 50;
  uint64_t seed = 42;
  std::vector<uint64_t> hashes(size_t(n) * 4);
  std::vector<uint32_t> ids(n);
  for (size_t i = 0; i < hashes.size(); i++) hashes[i] = sm(seed);
  for (uint32_t i = 0; i < n; i++) ids[i] = i;
  auto t0 = std::chrono::steady_clock::now();
  auto seg = buildSegment({Source{ids.data(), hashes.data(), n, nullptr}});
  double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<uint64_t> qs(size_t(queries) * 4);
  for (int i = 0; i < queries; i++) {
    uint32_t at = n ? uint32_t(sm(seed) % n) : 0;
    for (int w = 0; w < 4; w++) qs[size_t(i) * 4 + w] = n ? hashes[size_t(at) * 4 + w] : sm(seed);
    int flips = int(sm(seed) % uint64_t(radius / 2 + 1));
    for (int f = 0; f < flips; f++) {
      int bit = int(sm(seed) % 256);
      qs[size_t(i) * 4 + bit / 64] ^= uint64_t(1) << (bit % 64);
    }
  }
  const int distinct = argc > 5 ? atoi(argv[5]) : 0;
  for (int i = distinct; distinct > 0 && i < queries; i++)
    for (int w = 0; w < 4; w++) qs[size_t(i) * 4 + w] = qs[size_t(i % distinct) * 4 + w];
  Scratch sc;
  size_t total = 0;
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < queries; i++) {
    sc.hits.clear();
    searchSegment(*seg, qs.data() + size_t(i) * 4, radius, sc);
    total += sc.hits.size();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  int bad = 0;
  double scanSecs = 0;  // the brute-force scans of the checks, timed: the index's yardstick
  for (int i = 0; i < checks && i < queries; i++) {
    sc.hits.clear();
    searchSegment(*seg, qs.data() + size_t(i) * 4, radius, sc);
    std::vector<uint32_t> got;
    for (auto& h : sc.hits) got.push_back(seg->ids[h.pos]);
    std::vector<Hit> bf;
    auto b0 = std::chrono::steady_clock::now();
    bruteForce(hashes.data(), n, qs.data() + size_t(i) * 4, radius, bf);
    scanSecs += std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
    std::vector<uint32_t> want;
    for (auto& h : bf) want.push_back(h.pos);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    if (got != want) bad++;
  }
  const int checked = std::min(checks, queries);
  printf("simd=%s n=%u r=%d p=%d d=%d fp=%d build=%.2fs qps=%.0f us/q=%.2f hits/q=%.2f bytes/hash=%.1f mismatches=%d/%d",
         simdLevel(), n, radius, seg->posBits, seg->dirBits, seg->fpBits, build, queries / secs, secs * 1e6 / queries,
         double(total) / queries, double(seg->bytes()) / std::max<uint32_t>(n, 1), bad, checked);
  if (checked) printf(" scan-qps=%.0f", checked / scanSecs);
  printf("\n");
  return bad ? 1 : 0;
}
