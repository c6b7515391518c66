#include "kernels_scalar.h"

namespace tiphash {

namespace {
size_t filterGeneric(const uint32_t* t, const Probe* p, size_t c, uint32_t q, uint32_t km, uint32_t am, int kb, int rb,
                     unsigned, uint32_t pm, uint32_t* out) {
  return scalar::filter(t, p, c, q, km, am, kb, rb, pm, out);
}
size_t filter16Generic(const uint16_t* t, const Probe* p, size_t c, uint32_t q, uint32_t km, uint32_t am, int kb,
                       int rb, unsigned, uint32_t pm, uint32_t* out) {
  return scalar::filter(t, p, c, q, km, am, kb, rb, pm, out);
}
void scanGeneric(const uint64_t* h, uint32_t b, uint32_t e, const uint64_t* q, int r, std::vector<Hit>& hits) {
  scalar::scan(h, b, e, q, r, hits);
}
void verifyGeneric(const uint64_t* h, const uint32_t* c, size_t n, const uint64_t* q, int r, std::vector<Hit>& hits) {
  scalar::verify(h, c, n, q, r, hits);
}

#if defined(__x86_64__) || defined(_M_X64)
#define TIPHASH_POPCNT __attribute__((target("popcnt")))
#else
#define TIPHASH_POPCNT
#endif

TIPHASH_POPCNT size_t filterPopcnt(const uint32_t* t, const Probe* p, size_t c, uint32_t q, uint32_t km, uint32_t am,
                                   int kb, int rb, unsigned, uint32_t pm, uint32_t* out) {
  return scalar::filter(t, p, c, q, km, am, kb, rb, pm, out);
}
TIPHASH_POPCNT size_t filter16Popcnt(const uint16_t* t, const Probe* p, size_t c, uint32_t q, uint32_t km,
                                     uint32_t am, int kb, int rb, unsigned, uint32_t pm, uint32_t* out) {
  return scalar::filter(t, p, c, q, km, am, kb, rb, pm, out);
}
TIPHASH_POPCNT void scanPopcnt(const uint64_t* h, uint32_t b, uint32_t e, const uint64_t* q, int r,
                               std::vector<Hit>& hits) {
  scalar::scan(h, b, e, q, r, hits);
}
TIPHASH_POPCNT void verifyPopcnt(const uint64_t* h, const uint32_t* c, size_t n, const uint64_t* q, int r,
                                 std::vector<Hit>& hits) {
  scalar::verify(h, c, n, q, r, hits);
}
}  // namespace

Kernels genericKernels() { return {"generic", filterGeneric, filter16Generic, scanGeneric, verifyGeneric}; }
Kernels popcntKernels() { return {"popcnt", filterPopcnt, filter16Popcnt, scanPopcnt, verifyPopcnt}; }

}  // namespace tiphash
