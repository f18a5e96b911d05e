// Vectorised packing (AVX2 + F16C) for the f32 micro-kernels of the AVX2 and AVX-512 units: the
// layouts a matmul meets most (row-major A, row-major B) decoded eight values at a time, where the
// generic templates of gemm_pack.h convert one value at a time (f16 with one vcvtph2ps each).
// Included after gemm_pack.h by units compiled for AVX2 or wider (anonymous namespace: each unit
// gets its own copy, compiled for its instruction set).
#pragma once
#if !defined(SCALIFY_GEMM_SIMDE)
#include <immintrin.h>
#endif

#include "gemm_pack.h"

namespace scalify_gemm {
namespace detail {
namespace {

// Eight consecutive source elements decoded to f32.
template <ElemType T> inline __m256 load8(const typename Src<T>::S* p);
template <> inline __m256 load8<ElemType::F32>(const float* p) { return _mm256_loadu_ps(p); }
template <> inline __m256 load8<ElemType::BF16>(const uint16_t* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
}
template <> inline __m256 load8<ElemType::F16>(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <> inline __m256 load8<ElemType::F8E4M3FN>(const uint8_t* p) {
  const float* t = g_e4m3_f32;
  return _mm256_setr_ps(t[p[0]], t[p[1]], t[p[2]], t[p[3]], t[p[4]], t[p[5]], t[p[6]], t[p[7]]);
}
template <> inline __m256 load8<ElemType::F8E5M2>(const uint8_t* p) {
  const float* t = g_e5m2_f32;
  return _mm256_setr_ps(t[p[0]], t[p[1]], t[p[2]], t[p[3]], t[p[4]], t[p[5]], t[p[6]], t[p[7]]);
}

inline void transpose8(__m256& r0, __m256& r1, __m256& r2, __m256& r3, __m256& r4, __m256& r5, __m256& r6, __m256& r7) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r0 = _mm256_permute2f128_ps(u0, u4, 0x20);
  r1 = _mm256_permute2f128_ps(u1, u5, 0x20);
  r2 = _mm256_permute2f128_ps(u2, u6, 0x20);
  r3 = _mm256_permute2f128_ps(u3, u7, 0x20);
  r4 = _mm256_permute2f128_ps(u0, u4, 0x31);
  r5 = _mm256_permute2f128_ps(u1, u5, 0x31);
  r6 = _mm256_permute2f128_ps(u2, u6, 0x31);
  r7 = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Stores the first `n` (6 or 8) lanes.
template <int N> inline void store_lanes(float* d, __m256 v) {
  if (N == 8) {
    _mm256_storeu_ps(d, v);
  } else {
    _mm_storeu_ps(d, _mm256_castps256_ps128(v));
    _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(v, 1));
  }
}

// Rows with k contiguous (row-major A, column-major B): 8×8 transposes, rows in groups of 8
// (the last one 6 or 8 rows: W = 6, 14, 16 or 32).
template <ElemType T, int W>
int pack_kcontig(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  if (sk != 1 || rows != W || kc < 8) return pack_f32<T, W>(srcv, sr, sk, rows, kc, dstv);
  const S* src = static_cast<const S*>(srcv);
  float* dst = static_cast<float*>(dstv);
  const int64_t kfull = kc & ~int64_t(7);
  constexpr int G = (W + 7) / 8;  // groups of 8 rows
  for (int64_t k = 0; k < kfull; k += 8) {
    for (int g = 0; g < G; ++g) {
      constexpr int L = W - 8 * (G - 1) < 8 ? W - 8 * (G - 1) : 8;  // lanes of the last group
      const int lanes = g == G - 1 ? L : 8;
      const S* s = src + int64_t(8 * g) * sr + k;
      const __m256 z = _mm256_setzero_ps();
      __m256 r0 = load8<T>(s), r1 = load8<T>(s + sr), r2 = load8<T>(s + 2 * sr), r3 = load8<T>(s + 3 * sr);
      __m256 r4 = load8<T>(s + 4 * sr), r5 = load8<T>(s + 5 * sr);
      __m256 r6 = lanes > 6 ? load8<T>(s + 6 * sr) : z, r7 = lanes > 7 ? load8<T>(s + 7 * sr) : z;
      transpose8(r0, r1, r2, r3, r4, r5, r6, r7);
      float* d = dst + k * W + 8 * g;
      if (lanes == 8) {
        store_lanes<8>(d, r0); store_lanes<8>(d + W, r1); store_lanes<8>(d + 2 * W, r2); store_lanes<8>(d + 3 * W, r3);
        store_lanes<8>(d + 4 * W, r4); store_lanes<8>(d + 5 * W, r5); store_lanes<8>(d + 6 * W, r6); store_lanes<8>(d + 7 * W, r7);
      } else {
        store_lanes<6>(d, r0); store_lanes<6>(d + W, r1); store_lanes<6>(d + 2 * W, r2); store_lanes<6>(d + 3 * W, r3);
        store_lanes<6>(d + 4 * W, r4); store_lanes<6>(d + 5 * W, r5); store_lanes<6>(d + 6 * W, r6); store_lanes<6>(d + 7 * W, r7);
      }
    }
  }
  for (int64_t k = kfull; k < kc; ++k)
    for (int r = 0; r < W; ++r) dst[k * W + r] = Src<T>::f32(src[r * sr + k]);
  return 0;
}

// Rows contiguous (column-major A, row-major B): decode W consecutive values per k (W = 16 or 32).
template <ElemType T, int W>
int pack_rcontig(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  if (sr != 1 || rows != W || W % 8 != 0) return pack_kcontig<T, W>(srcv, sr, sk, rows, kc, dstv);
  const S* src = static_cast<const S*>(srcv);
  float* dst = static_cast<float*>(dstv);
  for (int64_t k = 0; k < kc; ++k)
    for (int j = 0; j < W; j += 8) _mm256_storeu_ps(dst + k * W + j, load8<T>(src + k * sk + j));
  return 0;
}

template <int W, bool kRowsContig>
void fill_pack_avx2(PackFn* t) {
  if (kRowsContig) {
    t[int(ElemType::F32)] = &pack_rcontig<ElemType::F32, W>;
    t[int(ElemType::F16)] = &pack_rcontig<ElemType::F16, W>;
    t[int(ElemType::BF16)] = &pack_rcontig<ElemType::BF16, W>;
    t[int(ElemType::F8E4M3FN)] = &pack_rcontig<ElemType::F8E4M3FN, W>;
    t[int(ElemType::F8E5M2)] = &pack_rcontig<ElemType::F8E5M2, W>;
  } else {
    t[int(ElemType::F32)] = &pack_kcontig<ElemType::F32, W>;
    t[int(ElemType::F16)] = &pack_kcontig<ElemType::F16, W>;
    t[int(ElemType::BF16)] = &pack_kcontig<ElemType::BF16, W>;
    t[int(ElemType::F8E4M3FN)] = &pack_kcontig<ElemType::F8E4M3FN, W>;
    t[int(ElemType::F8E5M2)] = &pack_kcontig<ElemType::F8E5M2, W>;
  }
}

}  // namespace
}  // namespace detail
}  // namespace scalify_gemm
