// Packing templates, included by each kernel translation unit so that they are compiled for that
// unit's instruction set (anonymous namespace: internal linkage, see gemm_internal.h).
//
// A packed micro-panel holds W rows (rows of A, or columns of B) × kcp k-steps:
//   dst[(k/KP)*(W*KP) + r*KP + k%KP]
// KP = 1 (f32 kernels): for each k, W consecutive floats (one broadcast per row of A, W/lanes
// vector loads for B). KP = 2 (bf16 dot-product kernels): for each pair of k, W pairs of bf16
// (one 32-bit broadcast per row of A; for B, lane j holds (B[k][j], B[k+1][j])).
#pragma once
#include <cstdint>

#include "gemm_internal.h"
#if defined(__F16C__) && !defined(SCALIFY_GEMM_SIMDE)
#include <immintrin.h>
#endif

namespace scalify_gemm {
namespace detail {
namespace {

inline float bits_to_f32(uint32_t b) {
  float f;
  __builtin_memcpy(&f, &b, 4);
  return f;
}

// f16 bits → f32, exact (software; the vector paths use F16C where the unit has it).
inline float f16_to_f32_sw(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (man << 13));
  if (exp != 0) return bits_to_f32(sign | ((exp + 112u) << 23) | (man << 13));
  // subnormal or zero: man × 2^-24, exact in f32
  const float v = float(man) * (1.0f / 16777216.0f);
  return sign ? -v : v;
}

// Source element types and their exact decodings.
template <ElemType T> struct Src;
template <> struct Src<ElemType::F32> {
  typedef float S;
  static inline float f32(S v) { return v; }
  static inline uint16_t bf16(S) { return 0; }  // never used: f32 operands take the f32 path
};
template <> struct Src<ElemType::BF16> {
  typedef uint16_t S;
  static inline float f32(S v) { return bits_to_f32(uint32_t(v) << 16); }
  static inline uint16_t bf16(S v) { return v; }
};
template <> struct Src<ElemType::F16> {
  typedef uint16_t S;
#if defined(__F16C__)
  static inline float f32(S v) { return _cvtsh_ss(v); }
#else
  static inline float f32(S v) { return f16_to_f32_sw(v); }
#endif
  static inline uint16_t bf16(S) { return 0; }  // never used: f16 is not bf16-exact
};
template <> struct Src<ElemType::F8E4M3FN> {
  typedef uint8_t S;
  static inline float f32(S v) { return g_e4m3_f32[v]; }
  static inline uint16_t bf16(S v) { return g_e4m3_bf16[v]; }
};
template <> struct Src<ElemType::F8E5M2> {
  typedef uint8_t S;
  static inline float f32(S v) { return g_e5m2_f32[v]; }
  static inline uint16_t bf16(S v) { return g_e5m2_bf16[v]; }
};

// A bf16 value whose products may leave f32's normal range (nonzero with exponent < 2^-56).
inline int bf16_tiny(uint16_t v) { return ((v & 0x7f80u) < (71u << 7)) & ((v & 0x7fffu) != 0); }

// ---- KP = 1: f32 destination ---------------------------------------------------------------

template <ElemType T, int W>
int pack_f32(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  const S* src = static_cast<const S*>(srcv);
  float* __restrict dst = static_cast<float*>(dstv);
  if (rows == W && sr == 1) {
    // rows contiguous in the source: each k is one contiguous run of W values
    for (int64_t k = 0; k < kc; ++k) {
      const S* s = src + k * sk;
      float* d = dst + k * W;
      for (int r = 0; r < W; ++r) d[r] = Src<T>::f32(s[r]);
    }
    return 0;
  }
  if (sk == 1) {
    // k contiguous in the source (row-major A, column-major B): transpose in blocks of 8 k
    int64_t k0 = 0;
    if (rows == W) {
      for (; k0 + 8 <= kc; k0 += 8) {
        float* d = dst + k0 * W;
        for (int r = 0; r < W; ++r) {
          const S* s = src + r * sr + k0;
          for (int kk = 0; kk < 8; ++kk) d[kk * W + r] = Src<T>::f32(s[kk]);
        }
      }
    }
    for (; k0 < kc; ++k0) {
      float* d = dst + k0 * W;
      int r = 0;
      for (; r < rows; ++r) d[r] = Src<T>::f32(src[r * sr + k0]);
      for (; r < W; ++r) d[r] = 0.0f;
    }
    if (rows < W && kc >= 8) {
      // the blocked loop above was skipped: nothing more to do (all k handled by the tail loop)
    }
    return 0;
  }
  for (int64_t k = 0; k < kc; ++k) {
    float* d = dst + k * W;
    int r = 0;
    for (; r < rows; ++r) d[r] = Src<T>::f32(src[r * sr + k * sk]);
    for (; r < W; ++r) d[r] = 0.0f;
  }
  return 0;
}

// ---- KP = 2: bf16-pair destination -----------------------------------------------------------

template <ElemType T, int W>
int pack_bf16(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  const S* src = static_cast<const S*>(srcv);
  uint16_t* __restrict dst = static_cast<uint16_t*>(dstv);
  const int64_t kfull = kc & ~int64_t(1);
  unsigned tiny = 0;
  if (rows == W && sr == 1) {
    for (int64_t k = 0; k < kfull; k += 2) {
      const S* s0 = src + k * sk;
      const S* s1 = s0 + sk;
      uint16_t* d = dst + k * W;
      for (int r = 0; r < W; ++r) {
        const uint16_t v0 = Src<T>::bf16(s0[r]), v1 = Src<T>::bf16(s1[r]);
        if (T == ElemType::BF16) tiny |= bf16_tiny(v0) | bf16_tiny(v1);
        d[2 * r] = v0;
        d[2 * r + 1] = v1;
      }
    }
  } else if (sk == 1) {
    for (int r = 0; r < rows; ++r) {
      const S* s = src + r * sr;
      uint16_t* d = dst + 2 * r;
      for (int64_t k = 0; k < kfull; k += 2) {
        const uint16_t v0 = Src<T>::bf16(s[k]), v1 = Src<T>::bf16(s[k + 1]);
        if (T == ElemType::BF16) tiny |= bf16_tiny(v0) | bf16_tiny(v1);
        d[k * W] = v0;
        d[k * W + 1] = v1;
      }
    }
    for (int r = rows; r < W; ++r)
      for (int64_t k = 0; k < kfull; k += 2) dst[k * W + 2 * r] = dst[k * W + 2 * r + 1] = 0;
  } else {
    for (int64_t k = 0; k < kfull; k += 2) {
      uint16_t* d = dst + k * W;
      int r = 0;
      for (; r < rows; ++r) {
        const uint16_t v0 = Src<T>::bf16(src[r * sr + k * sk]), v1 = Src<T>::bf16(src[r * sr + (k + 1) * sk]);
        if (T == ElemType::BF16) tiny |= bf16_tiny(v0) | bf16_tiny(v1);
        d[2 * r] = v0;
        d[2 * r + 1] = v1;
      }
      for (; r < W; ++r) d[2 * r] = d[2 * r + 1] = 0;
    }
  }
  if (kc & 1) {  // last, odd k: pair it with a zero
    const int64_t k = kfull;
    uint16_t* d = dst + k * W;
    int r = 0;
    for (; r < rows; ++r) {
      const uint16_t v0 = Src<T>::bf16(src[r * sr + k * sk]);
      if (T == ElemType::BF16) tiny |= bf16_tiny(v0);
      d[2 * r] = v0;
      d[2 * r + 1] = 0;
    }
    for (; r < W; ++r) d[2 * r] = d[2 * r + 1] = 0;
  }
  return int(tiny);
}

// Fills the per-source-type tables of a KernelSpec.
template <int W>
void fill_pack_f32(PackFn* t) {
  t[int(ElemType::F32)] = &pack_f32<ElemType::F32, W>;
  t[int(ElemType::F16)] = &pack_f32<ElemType::F16, W>;
  t[int(ElemType::BF16)] = &pack_f32<ElemType::BF16, W>;
  t[int(ElemType::F8E4M3FN)] = &pack_f32<ElemType::F8E4M3FN, W>;
  t[int(ElemType::F8E5M2)] = &pack_f32<ElemType::F8E5M2, W>;
}
template <int W>
void fill_pack_bf16(PackFn* t) {
  t[int(ElemType::F32)] = nullptr;
  t[int(ElemType::F16)] = nullptr;
  t[int(ElemType::BF16)] = &pack_bf16<ElemType::BF16, W>;
  t[int(ElemType::F8E4M3FN)] = &pack_bf16<ElemType::F8E4M3FN, W>;
  t[int(ElemType::F8E5M2)] = &pack_bf16<ElemType::F8E5M2, W>;
}

}  // namespace
}  // namespace detail
}  // namespace scalify_gemm
