// The reference's max/min on f32 lanes (runtime/kernels/scalar-ops.ts: NaN wins, the first one
// in order; +0 is above −0) and their fold over a row, shared by the reduction kernels and the
// fused chains' reductions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace scalify {

inline float fmax_ref(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
inline float fmin_ref(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

/**
 * fmax_ref / fmin_ref folded over v[0..n) from `a`, in the reference's order. Without NaNs the
 * fold is the extreme of the set under the order −0 < +0, which the vector path computes on
 * integer keys (the f32 bits with the magnitude bits flipped for negatives: a total order that
 * matches the floats'); a block holding a NaN is folded element by element, so the first NaN
 * wins, as in the reference.
 */
inline float fold_extreme(bool is_max, float a, const float* v, int64_t n) {
  auto step = [is_max](float x, float y) { return is_max ? fmax_ref(x, y) : fmin_ref(x, y); };
  if (a != a) return a;
  int64_t j = 0;
#ifdef __AVX2__
  if (n >= 16) {
    __m256i acc = _mm256_set1_epi32(is_max ? INT32_MIN : INT32_MAX);
    __m256 nan = _mm256_setzero_ps();
    for (; j + 8 <= n; j += 8) {
      const __m256 x = _mm256_loadu_ps(v + j);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
      const __m256i b = _mm256_castps_si256(x);
      const __m256i k = _mm256_xor_si256(b, _mm256_srli_epi32(_mm256_srai_epi32(b, 31), 1));
      acc = is_max ? _mm256_max_epi32(acc, k) : _mm256_min_epi32(acc, k);
    }
    if (!_mm256_testz_ps(nan, nan)) {
      for (int64_t i = 0; i < n; i++) a = step(a, v[i]);
      return a;
    }
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
    int32_t k = lanes[0];
    for (int q = 1; q < 8; q++) k = is_max ? std::max(k, lanes[q]) : std::min(k, lanes[q]);
    const uint32_t bits = static_cast<uint32_t>(k) ^ (static_cast<uint32_t>(k >> 31) >> 1);
    float e;
    std::memcpy(&e, &bits, 4);
    a = step(a, e);
  }
#endif
  for (; j < n; j++) a = step(a, v[j]);
  return a;
}

}  // namespace scalify
