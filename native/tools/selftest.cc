// Checks the segment core against a plain scan: sizes 0 to 20000, radii 0 to 256, uniform
// and clustered data, duplicates, hidden (removed) entries and several sources. Built with
// ASan and UBSan by native/sanitize.sh, once per SIMD level (TIPHASH_SIMD).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "../src/segment.h"

using namespace tiphash;

static uint64_t state = 7;
static uint64_t next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void flip(uint64_t* h, int bits) {
  for (int i = 0; i < bits; i++) {
    int b = int(next() % 256);
    h[b / 64] ^= uint64_t(1) << (b % 64);
  }
}

static int distance(const uint64_t* a, const uint64_t* b) {
  int d = 0;
  for (int w = 0; w < kWords; w++)
    for (uint64_t x = a[w] ^ b[w]; x; x &= x - 1) d++;
  return d;
}

int main() {
  int failures = 0, checks = 0;
  for (uint32_t n : {0u, 1u, 2u, 17u, 1000u, 20000u}) {
    for (int clustered = 0; clustered < 2; clustered++) {
      // Two sources, the second holding copies of the first's first entries (duplicates).
      std::vector<uint64_t> a(size_t(n) * kWords), b;
      std::vector<uint32_t> aIds(n), bIds;
      for (uint32_t i = 0; i < n; i++) {
        if (clustered && i % 8) {
          std::copy(&a[size_t(i - 1) * kWords], &a[size_t(i) * kWords], &a[size_t(i) * kWords]);
          flip(&a[size_t(i) * kWords], int(next() % 8));
        } else {
          for (int w = 0; w < kWords; w++) a[size_t(i) * kWords + w] = next();
        }
        aIds[i] = i;
      }
      for (uint32_t i = 0; i < n && i < 50; i++) {
        b.insert(b.end(), &a[size_t(i) * kWords], &a[size_t(i + 1) * kWords]);
        bIds.push_back(n + i);
      }
      std::vector<uint8_t> hidden(n);
      for (uint32_t i = 0; i < n; i += 5) hidden[i] = 1;
      auto seg = buildSegment({Source{aIds.data(), a.data(), n, hidden.data()},
                               Source{bIds.data(), b.data(), uint32_t(bIds.size()), nullptr}});
      Scratch sc;
      for (int radius : {0, 1, 7, 15, 16, 31, 32, 47, 63, 64, 100, 256}) {
        for (int t = 0; t < 12; t++) {
          uint64_t q[kWords];
          if (n && t % 4) {
            uint32_t at = uint32_t(next() % n);
            std::copy(&a[size_t(at) * kWords], &a[size_t(at + 1) * kWords], q);
            flip(q, int(next() % (radius / 2 + 1)));
          } else {
            for (auto& w : q) w = next();
          }
          sc.hits.clear();
          searchSegment(*seg, q, radius, sc);
          std::vector<std::pair<uint32_t, int>> got, want;
          for (const Hit& h : sc.hits) got.push_back({seg->ids[h.pos], int(h.dist)});
          for (uint32_t i = 0; i < n; i++)
            if (!hidden[i] && distance(&a[size_t(i) * kWords], q) <= radius)
              want.push_back({i, distance(&a[size_t(i) * kWords], q)});
          for (size_t i = 0; i < bIds.size(); i++)
            if (distance(&b[i * kWords], q) <= radius) want.push_back({bIds[i], distance(&b[i * kWords], q)});
          std::sort(got.begin(), got.end());
          std::sort(want.begin(), want.end());
          checks++;
          if (got != want) {
            failures++;
            std::printf("mismatch n=%u clustered=%d radius=%d: %zu hits, want %zu\n", n, clustered, radius, got.size(),
                        want.size());
          }
        }
      }
    }
  }
  std::printf("simd=%s checks=%d failures=%d\n", simdLevel(), checks, failures);
  return failures ? 1 : 0;
}
