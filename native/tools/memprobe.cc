// What the Hamming index is bound by: how fast this core reaches random cache lines in a table far
// larger than the caches. Prints the latency of one dependent random read, and the time per line
// when 512 independent lines are prefetched then read (the index's access pattern), over 256 MiB
// on 2 MiB pages. Build and run:
//   g++ -O2 -std=c++17 native/tools/memprobe.cc -o /tmp/memprobe && /tmp/memprobe
// (taskset -c N to pick a core; figures move with whatever else the host runs.)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <new>
#include <numeric>
#include <random>
#include <vector>
#ifdef __linux__
#include <sys/mman.h>
#endif

int main() {
  const size_t bytes = size_t(256) << 20, lines = bytes / 64, huge = size_t(2) << 20;
  char* p = static_cast<char*>(::operator new(bytes, std::align_val_t(huge)));
#ifdef __linux__
  madvise(p, bytes, MADV_HUGEPAGE);
#endif
  // A random cycle through every line, for the dependent reads.
  std::vector<uint32_t> order(lines);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  for (size_t i = 0; i < lines; i++)
    *reinterpret_cast<char**>(p + size_t(order[i]) * 64) = p + size_t(order[(i + 1) % lines]) * 64;
  using clock = std::chrono::steady_clock;
  char* c = p + size_t(order[0]) * 64;
  const size_t steps = 2'000'000;
  auto t0 = clock::now();
  for (size_t i = 0; i < steps; i++) c = *reinterpret_cast<char**>(c);
  const double latency = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / steps;
  // Batches of independent lines: prefetch all, then read all.
  const size_t batch = 512, batches = 4000;
  std::mt19937_64 rng(2);
  std::vector<uint32_t> at(batch * batches);
  for (auto& v : at) v = uint32_t(rng() % lines);
  uintptr_t sum = reinterpret_cast<uintptr_t>(c);
  t0 = clock::now();
  for (size_t b = 0; b < batches; b++) {
    const uint32_t* a = at.data() + b * batch;
    for (size_t i = 0; i < batch; i++) __builtin_prefetch(p + size_t(a[i]) * 64);
    for (size_t i = 0; i < batch; i++) sum += uint8_t(p[size_t(a[i]) * 64]);
  }
  const double perLine = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / double(batch * batches);
  std::printf("random line: %.0f ns dependent, one every %.1f ns prefetched in batches of %zu (%zu)\n", latency,
              perLine, batch, size_t(sum & 1));
  ::operator delete(p, std::align_val_t(huge));
}
