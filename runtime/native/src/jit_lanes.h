// The lane functions of the fused kernels' compiled form. fused_jit.cpp writes, per fused kernel,
// a C++ function of one block whose registers are vector values instead of the register
// machine's block-sized arrays; the system compiler builds it when a plan is compiled
// (runtime/native/jit.ts) and the kernel calls it in place of its op loop. Each function here is
// a vector form of one of the machine's loops (fused_exec.cpp, fused.cpp's reductions, the cast
// counting), bit for bit but for which NaN an arithmetic op on two NaNs returns (DESIGN.md
// compares those as NaN); the tests run every op both ways (tests/runtime/native/jit.test.ts).
// Two widths with the same names: w8 (AVX2, every kernel) and w16 (AVX-512, kernels of f32 and
// f16 arithmetic); an emitted kernel picks one with a using-directive.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "jit_args.h"
#include "partial_sums.h"
#include "simd.h"

// The generated kernels' lambdas (their loop bodies) are always inlined, like the lane functions.
#define SCALIFY_INLINE __attribute__((always_inline))

namespace scalify {
namespace jit {

// ---- shared by both widths ----

/** The first NaN lane of a block (lanes in element order), kept until the block's end. */
template <class Vec>
class FirstNanOf {
 public:
  void see(Vec x) {
    if (has_) return;
    float l[sizeof(Vec) / 4];
    std::memcpy(l, &x, sizeof l);
    for (float v : l)
      if (v != v) {
        nan_ = v;
        has_ = true;
        return;
      }
  }
  bool has() const { return has_; }
  float value() const { return nan_; }

 private:
  bool has_ = false;
  float nan_ = 0;
};

/** A counted cast's lanes at or above its overflow threshold, by class (rare: out of line). */
template <uint32_t Overflow, class VecI>
__attribute__((noinline, cold)) void classify_high(VecI a, fused::ThresholdCounts& counts) {
  uint32_t l[sizeof(VecI) / 4];
  std::memcpy(l, &a, sizeof l);
  for (uint32_t m : l) {
    counts.over += m >= Overflow;
    counts.inf_or_nan += m >= 0x7f800000u;
    counts.nan += m > 0x7f800000u;
  }
}

// The 8-lane library (AVX2): every kernel has this form. Kernels of f32 and f16 arithmetic also
// have a 16-lane form (namespace w16 below), used where the compiler targets AVX-512.
namespace w8 {

constexpr int kLanes = 8;
using V = __m256;
using VI = __m256i;
using HV = __m128i;  // f16 codes of a vector
SCALIFY_LANE V as_f(VI x) { return _mm256_castsi256_ps(x); }
SCALIFY_LANE VI as_i(V x) { return _mm256_castps_si256(x); }
SCALIFY_LANE V splat(uint32_t bits) { return as_f(_mm256_set1_epi32(static_cast<int>(bits))); }
SCALIFY_LANE V splat_f(float x) { return _mm256_set1_ps(x); }
/** All-ones lanes below n. */
SCALIFY_LANE V lanes_below(int n) { return as_f(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))); }

// ---- loads: 8 elements at element e; a tail reads n < 8 of them, the other lanes decode code 0 ----

template <bool Tail, class S>
SCALIFY_LANE const S* src(const void* p, int64_t e, int n, S* buf) {
  const S* s = static_cast<const S*>(p) + e;
  if (!Tail) return s;
  std::memset(buf, 0, 8 * sizeof(S));
  std::memcpy(buf, s, static_cast<size_t>(n) * sizeof(S));
  return buf;
}
template <bool Tail>
SCALIFY_LANE V ld_f32(const void* p, int64_t e, int n) {
  float b[8];
  return _mm256_loadu_ps(src<Tail>(p, e, n, b));
}
template <bool Tail>
SCALIFY_LANE V ld_f16(const void* p, int64_t e, int n) {
  uint16_t b[8];
  return as_f(simd::f16_to_f32_bits(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src<Tail>(p, e, n, b)))));
}
template <bool Tail>
SCALIFY_LANE V ld_bf16(const void* p, int64_t e, int n) {
  uint16_t b[8];
  return as_f(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src<Tail>(p, e, n, b)))), 16));
}
template <bool Tail>
SCALIFY_LANE V ld_fp8(const void* p, int64_t e, int n, const float* table) {
  uint8_t b[8];
  return _mm256_i32gather_ps(table, _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src<Tail>(p, e, n, b)))), 4);
}
/** Bool bytes as they are (select_n moves them; ops test ≠ 0), as load_block does. */
template <bool Tail>
SCALIFY_LANE V ld_bool(const void* p, int64_t e, int n) {
  uint8_t b[8];
  return as_f(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src<Tail>(p, e, n, b)))));
}
/** Lane 0 in every lane (a broadcast view's element). */
SCALIFY_LANE V lane0(V x) { return _mm256_permutevar8x32_ps(x, _mm256_setzero_si256()); }

// ---- stores of 8 lanes (a tail: n of them) ----

template <bool Tail, class S>
SCALIFY_LANE void put(void* p, int64_t e, int n, const S* lanes) {
  std::memcpy(static_cast<S*>(p) + e, lanes, static_cast<size_t>(Tail ? n : 8) * sizeof(S));
}
/** f32 (and i32) lanes; `stream`: around the cache (the caller checked the alignment). */
template <bool Tail>
SCALIFY_LANE void st_f32(void* p, int64_t e, int n, V v, bool stream) {
  float* d = static_cast<float*>(p) + e;
  if (Tail) {
    float b[8];
    _mm256_storeu_ps(b, v);
    std::memcpy(d, b, static_cast<size_t>(n) * 4);
  } else if (stream) {
    _mm256_stream_ps(d, v);
  } else {
    _mm256_storeu_ps(d, v);
  }
}
template <bool Tail>
SCALIFY_LANE void st_u16(void* p, int64_t e, int n, __m128i codes) {
  if (!Tail) return _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint16_t*>(p) + e), codes);
  uint16_t b[8];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(b), codes);
  put<true>(p, e, n, b);
}
/** 8 lanes holding byte values (fp8 codes, bools). */
template <bool Tail>
SCALIFY_LANE void st_u8(void* p, int64_t e, int n, VI codes) {
  if (!Tail) return simd::store_bytes(codes, static_cast<uint8_t*>(p) + e);
  uint8_t b[8];
  simd::store_bytes(codes, b);
  put<true>(p, e, n, b);
}
SCALIFY_LANE __m128i f16_codes(V v) { return simd::f16_codes_v(as_i(v)); }
SCALIFY_LANE __m128i bf16_codes(V v) { return simd::bf16_codes_v(as_i(v)); }
SCALIFY_LANE VI e4m3fn_codes(V v) { return simd::encode_fp8_v(as_i(v), 3, 7, 0x7e, 0x7f, 0x7f); }
SCALIFY_LANE VI e5m2_codes(V v) { return simd::e5m2_codes_v(as_i(v)); }
/** The codes of unrounded lanes (a cast to fp8 encoded at the store, VOp::encode_at_store). */
SCALIFY_LANE VI fp8_encode(V v, bool e4m3, bool sat) {
  return e4m3 ? simd::encode_fp8_v(as_i(v), 3, 7, 0x7e, 0x7f, sat ? 0x7e : 0x7f) : simd::encode_fp8_v(as_i(v), 2, 15, 0x7b, 0x7e, sat ? 0x7b : 0x7c);
}

// ---- ops (fused_exec.cpp exec_op, lane by lane) ----

SCALIFY_LANE V add(V a, V b) { return _mm256_add_ps(a, b); }
SCALIFY_LANE V sub(V a, V b) { return _mm256_sub_ps(a, b); }
SCALIFY_LANE V mul(V a, V b) { return _mm256_mul_ps(a, b); }
SCALIFY_LANE V div(V a, V b) { return _mm256_div_ps(a, b); }
SCALIFY_LANE V neg(V a) { return _mm256_xor_ps(a, splat(0x80000000u)); }
SCALIFY_LANE V abs(V a) { return _mm256_and_ps(a, splat(0x7fffffffu)); }
SCALIFY_LANE V sqrt(V a) { return _mm256_sqrt_ps(a); }
SCALIFY_LANE V rsqrt(V a) { return _mm256_div_ps(splat_f(1.0f), _mm256_sqrt_ps(a)); }
SCALIFY_LANE V sign(V a) {
  const V zero = _mm256_setzero_ps();
  const V r = _mm256_blendv_ps(a, splat_f(1.0f), _mm256_cmp_ps(a, zero, _CMP_GT_OQ));
  return _mm256_blendv_ps(r, splat_f(-1.0f), _mm256_cmp_ps(a, zero, _CMP_LT_OQ));
}
SCALIFY_LANE V is_nan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
/** fmax_ref (Max) / fmin_ref: a NaN wins (a's first), +0 is above −0. */
template <bool Max>
SCALIFY_LANE V extreme_ref(V a, V b) {
  const V zero = _mm256_setzero_ps();
  V r = _mm256_blendv_ps(b, a, _mm256_cmp_ps(a, b, Max ? _CMP_GT_OQ : _CMP_LT_OQ));
  // Both zero: max takes a unless a is −0, min takes a only if it is −0.
  const V zeros = Max ? _mm256_blendv_ps(a, b, a) : _mm256_blendv_ps(b, a, a);
  r = _mm256_blendv_ps(r, zeros, _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_EQ_OQ), _mm256_cmp_ps(b, zero, _CMP_EQ_OQ)));
  r = _mm256_blendv_ps(r, b, is_nan(b));
  return _mm256_blendv_ps(r, a, is_nan(a));
}
SCALIFY_LANE V max_ref(V a, V b) { return extreme_ref<true>(a, b); }
SCALIFY_LANE V min_ref(V a, V b) { return extreme_ref<false>(a, b); }
/** A comparison as bool lanes (0 or 1). */
template <int Pred>
SCALIFY_LANE V cmp(V a, V b) { return _mm256_and_ps(_mm256_cmp_ps(a, b, Pred), splat(1)); }
SCALIFY_LANE V is_zero_bits(V p) { return as_f(_mm256_cmpeq_epi32(as_i(p), _mm256_setzero_si256())); }
/** select_n on a bool predicate: lanes move as bits. */
SCALIFY_LANE V select(V p, V c0, V c1) { return _mm256_blendv_ps(c1, c0, is_zero_bits(p)); }
SCALIFY_LANE V bool_to_f32(V p) { return _mm256_blendv_ps(splat_f(1.0f), _mm256_setzero_ps(), is_zero_bits(p)); }
SCALIFY_LANE V f32_to_bool(V a) { return cmp<_CMP_NEQ_UQ>(a, _mm256_setzero_ps()); }
SCALIFY_LANE V bool_not(V p) { return _mm256_and_ps(is_zero_bits(p), splat(1)); }
SCALIFY_LANE V bool_and(V p, V q) { return _mm256_andnot_ps(_mm256_or_ps(is_zero_bits(p), is_zero_bits(q)), splat(1)); }
SCALIFY_LANE V bool_or(V p, V q) { return _mm256_andnot_ps(_mm256_and_ps(is_zero_bits(p), is_zero_bits(q)), splat(1)); }
SCALIFY_LANE V round_f16(V v) { return simd::round_f16_v(v); }
/** The f16 codes of the lanes (round to nearest even, overflow → ±Inf; NaNs quiet). */
SCALIFY_LANE HV f16_round_codes(V v) { return simd::f16_round_codes_v(v); }
/** The f32 images of f16_round_codes (no NaN needs a payload fix-up: they are quiet). */
SCALIFY_LANE V f16_rounded_image(HV h) { return simd::f16_rounded_image_v(h); }
SCALIFY_LANE V round_bf16(V v) { return as_f(simd::round_bf16_v(as_i(v))); }

// ---- reductions: one block's part, as fused.cpp reduce_block computes it ----

/** PartialSums<kSumLanes> over the block: lane q of every vector adds into partial sum q. */
class SumAcc {
 public:
  template <bool Tail>
  SCALIFY_LANE void add(V x, int n) {
    if (Tail) x = _mm256_and_ps(x, lanes_below(n));  // +0: the partial sums are never −0
    acc_ = _mm256_add_ps(acc_, x);
  }
  float result() const {
    static_assert(kSumLanes == 8, "one register of partial sums");
    float p[8];
    _mm256_storeu_ps(p, acc_);
    return PartialSums<8>::tree(p);
  }

 private:
  V acc_ = _mm256_setzero_ps();
};

using FirstNan = FirstNanOf<V>;

/** fold_extreme: the extreme under −0 < +0 on integer keys, or the block's first NaN. */
template <bool Max>
class ExtremeAcc {
 public:
  template <bool Tail>
  SCALIFY_LANE void add(V x, int n) {
    if (Tail) x = _mm256_blendv_ps(splat_f(Max ? -INFINITY : INFINITY), x, lanes_below(n));
    const V nan = is_nan(x);
    if (!_mm256_testz_ps(nan, nan)) first_.see(x);
    const VI b = as_i(x);
    const VI k = _mm256_xor_si256(b, _mm256_srli_epi32(_mm256_srai_epi32(b, 31), 1));
    key_ = Max ? _mm256_max_epi32(key_, k) : _mm256_min_epi32(key_, k);
  }
  float result() const {
    if (first_.has()) return first_.value();
    int32_t l[8];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(l), key_);
    int32_t k = l[0];
    for (int q = 1; q < 8; q++) k = Max ? std::max(k, l[q]) : std::min(k, l[q]);
    return f32_from_bits(static_cast<uint32_t>(k) ^ (static_cast<uint32_t>(k >> 31) >> 1));
  }

 private:
  VI key_ = _mm256_set1_epi32(Max ? INT32_MIN : INT32_MAX);
  FirstNan first_;
};

/** max_abs: the largest magnitude bits, or |the block's first NaN|. */
class MaxAbsAcc {
 public:
  template <bool Tail>
  SCALIFY_LANE void add(V x, int n) {
    if (Tail) x = _mm256_and_ps(x, lanes_below(n));
    const V nan = is_nan(x);
    if (!_mm256_testz_ps(nan, nan)) first_.see(x);
    most_ = _mm256_max_epi32(most_, as_i(abs(x)));
  }
  float result() const {
    if (first_.has()) return std::fabs(first_.value());
    int32_t l[8];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(l), most_);
    int32_t m = l[0];
    for (int q = 1; q < 8; q++) m = std::max(m, l[q]);
    return f32_from_bits(static_cast<uint32_t>(m));
  }

 private:
  VI most_ = _mm256_setzero_si256();
  FirstNan first_;
};

/**
 * The statistics of the counted casts of a kernel to one dtype (same thresholds, one tally) over
 * a block (fused_exec.cpp count_lanes, from the same thresholds of the operands' magnitude bits).
 * Flushes (0 < |x| ≤ flush_max) are counted in every vector, branch-free: in a trained f16 state
 * a large share of the update kernels' vectors hold one, and a test per vector that sent those to
 * a classifier cost more in mispredictions than counting (the f16 update kernels 0.79–0.84× of
 * that form, 1.01–1.03× at step 0, where flushes are rare). Overflows (|x| ≥ overflow, ±Inf and
 * NaN included) stay rare: one test for all the casts, the lanes classified out of line. The
 * thresholds are constants of the type: as members they were rebuilt into registers every vector.
 */
template <uint32_t FlushMax, uint32_t Overflow>
class CastCounter {
 public:
  /** Counts one vector of each cast (`m`, `more`: their count_bits). */
  template <class... More>
  SCALIFY_LANE void count(VI m, More... more) {
    if (FlushMax > 0) {
      // 0 < a ≤ flush_max ⇔ a − 1 ≤ flush_max − 1 unsigned (a = 0 wraps to the top).
      const VI one = _mm256_set1_epi32(1), fm1 = _mm256_set1_epi32(static_cast<int>(FlushMax - 1));
      const auto flushes = [&](VI a) SCALIFY_INLINE {
        const VI am1 = _mm256_sub_epi32(a, one);
        return _mm256_cmpeq_epi32(_mm256_min_epu32(am1, fm1), am1);
      };
      VI all = flushes(m);
      ((all = _mm256_add_epi32(all, flushes(more))), ...);
      flushed_ = _mm256_sub_epi32(flushed_, all);  // masks are −1 per flushing lane
    }
    VI hi = m;
    ((hi = _mm256_max_epi32(hi, more)), ...);
    const VI high = _mm256_cmpgt_epi32(hi, _mm256_set1_epi32(static_cast<int>(Overflow - 1)));
    if (__builtin_expect(!_mm256_testz_si256(high, high), 0)) {
      // Out of line, and not a member: with `this` passed to a call in the loop, the flush
      // accumulator would live in memory.
      classify_high<Overflow>(m, counts_);
      (classify_high<Overflow>(more, counts_), ...);
    }
  }
  void flush(fused::LocalStats& tally, DType d, const fused::CastClasses& c) const {
    fused::LocalCounts out;
    counts_.add_to(c, out);
    int32_t lanes[8];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), flushed_);
    for (int32_t f : lanes) out.flushed += f;  // at most one per cast and lane of a call: far from 2^31
    tally.add(d, out);
  }

 private:
  VI flushed_ = _mm256_setzero_si256();  // per lane, negated mask sums
  fused::ThresholdCounts counts_;        // of the lanes at or above the overflow threshold
};

/** The magnitude bits of a counted cast's operand; past a tail 0, which counts in no class. */
template <bool Tail>
SCALIFY_LANE VI count_bits(V x, int n) {
  if (Tail) x = _mm256_and_ps(x, lanes_below(n));
  return as_i(abs(x));
}

}  // namespace w8

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__F16C__)
#define SCALIFY_JIT_W16 1
/**
 * The 16-lane (AVX-512) forms of the functions that kernels of f32 and f16 arithmetic call
 * (fused_jit.cpp w16_form decides which kernels qualify). Same results bit for bit, counts and
 * NaN payloads included: tails are masked to code 0 as w8 fills them; the sums take a vector's
 * two halves in element order into w8's 8 partial sums; a tail adds +0 to a partial sum where w8
 * adds nothing, which changes no sum (they are never −0).
 */
namespace w16 {

constexpr int kLanes = 16;
using V = __m512;
using VI = __m512i;
using HV = __m256i;  // f16 codes of a vector
SCALIFY_LANE V as_f(VI x) { return _mm512_castsi512_ps(x); }
SCALIFY_LANE VI as_i(V x) { return _mm512_castps_si512(x); }
SCALIFY_LANE V splat(uint32_t bits) { return as_f(_mm512_set1_epi32(static_cast<int>(bits))); }
SCALIFY_LANE V splat_f(float x) { return _mm512_set1_ps(x); }
/** Lanes below n (0 ≤ n ≤ 16). */
SCALIFY_LANE __mmask16 below(int n) { return static_cast<__mmask16>((1u << n) - 1u); }

/** f32 bits of f16 codes, NaN payloads kept (w8: simd::f16_to_f32_bits). */
SCALIFY_LANE VI f16_to_f32_bits(HV h) {
  const V f = _mm512_cvtph_ps(h);
  const __mmask16 nan = _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q);
  if (nan == 0) return as_i(f);
  const VI hw = _mm512_cvtepu16_epi32(h);
  const VI bits = _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(hw, _mm512_set1_epi32(0x8000)), 16), _mm512_set1_epi32(0x7f800000)),
                                  _mm512_slli_epi32(_mm512_and_si512(hw, _mm512_set1_epi32(0x3ff)), 13));
  return _mm512_mask_blend_epi32(nan, as_i(f), bits);
}

template <bool Tail>
SCALIFY_LANE V ld_f32(const void* p, int64_t e, int n) {
  const float* s = static_cast<const float*>(p) + e;
  return Tail ? _mm512_maskz_loadu_ps(below(n), s) : _mm512_loadu_ps(s);
}
template <bool Tail>
SCALIFY_LANE V ld_f16(const void* p, int64_t e, int n) {
  const uint16_t* s = static_cast<const uint16_t*>(p) + e;
  return as_f(f16_to_f32_bits(Tail ? _mm256_maskz_loadu_epi16(below(n), s) : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s))));
}
/** f32 lanes; `stream`: around the cache, as two 32-byte halves (the caller checked 32-byte alignment). */
template <bool Tail>
SCALIFY_LANE void st_f32(void* p, int64_t e, int n, V v, bool stream) {
  float* d = static_cast<float*>(p) + e;
  if (Tail) {
    _mm512_mask_storeu_ps(d, below(n), v);
  } else if (stream) {
    _mm256_stream_ps(d, _mm512_castps512_ps256(v));
    _mm256_stream_ps(d + 8, _mm512_extractf32x8_ps(v, 1));
  } else {
    _mm512_storeu_ps(d, v);
  }
}
template <bool Tail>
SCALIFY_LANE void st_u16(void* p, int64_t e, int n, HV codes) {
  uint16_t* d = static_cast<uint16_t*>(p) + e;
  if (Tail) _mm256_mask_storeu_epi16(d, below(n), codes);
  else _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), codes);
}

SCALIFY_LANE V add(V a, V b) { return _mm512_add_ps(a, b); }
SCALIFY_LANE V sub(V a, V b) { return _mm512_sub_ps(a, b); }
SCALIFY_LANE V mul(V a, V b) { return _mm512_mul_ps(a, b); }
SCALIFY_LANE V div(V a, V b) { return _mm512_div_ps(a, b); }
SCALIFY_LANE V neg(V a) { return as_f(_mm512_xor_si512(as_i(a), _mm512_set1_epi32(static_cast<int>(0x80000000u)))); }
SCALIFY_LANE V abs(V a) { return as_f(_mm512_and_si512(as_i(a), _mm512_set1_epi32(0x7fffffff))); }
SCALIFY_LANE V sqrt(V a) { return _mm512_sqrt_ps(a); }
SCALIFY_LANE HV f16_round_codes(V v) { return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
SCALIFY_LANE V f16_rounded_image(HV h) { return _mm512_cvtph_ps(h); }
SCALIFY_LANE V round_f16(V v) { return f16_rounded_image(f16_round_codes(v)); }
/** w8's sums, fed a vector's low half, then its high half: the same partial sums, in the same order. */
class SumAcc {
 public:
  template <bool Tail>
  SCALIFY_LANE void add(V x, int n) {
    if (Tail) x = _mm512_maskz_mov_ps(below(n), x);  // +0: the partial sums are never −0
    halves_.add<false>(_mm512_castps512_ps256(x), 8);
    halves_.add<false>(_mm512_extractf32x8_ps(x, 1), 8);
  }
  float result() const { return halves_.result(); }

 private:
  w8::SumAcc halves_;
};

using FirstNan = FirstNanOf<V>;

/** max_abs: the largest magnitude bits, or |the block's first NaN|. */
class MaxAbsAcc {
 public:
  template <bool Tail>
  SCALIFY_LANE void add(V x, int n) {
    if (Tail) x = _mm512_maskz_mov_ps(below(n), x);
    if (_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) != 0) first_.see(x);
    most_ = _mm512_max_epi32(most_, as_i(abs(x)));
  }
  float result() const {
    if (first_.has()) return std::fabs(first_.value());
    return f32_from_bits(static_cast<uint32_t>(_mm512_reduce_max_epi32(most_)));
  }

 private:
  VI most_ = _mm512_setzero_si512();
  FirstNan first_;
};

/** w8::CastCounter on 16 lanes: flushes counted from masks on the scalar ports, overflows tested. */
template <uint32_t FlushMax, uint32_t Overflow>
class CastCounter {
 public:
  template <class... More>
  SCALIFY_LANE void count(VI m, More... more) {
    if (FlushMax > 0) {
      const VI fm = _mm512_set1_epi32(static_cast<int>(FlushMax));
      const auto flushes = [&](VI a) SCALIFY_INLINE { return __builtin_popcount(_mm512_mask_cmple_epu32_mask(_mm512_test_epi32_mask(a, a), a, fm)); };
      int all = flushes(m);
      ((all += flushes(more)), ...);
      flushed_ += all;
    }
    VI hi = m;
    ((hi = _mm512_max_epi32(hi, more)), ...);
    if (__builtin_expect(_mm512_cmpgt_epi32_mask(hi, _mm512_set1_epi32(static_cast<int>(Overflow - 1))) != 0, 0)) {
      // Out of line, and not a member: with `this` passed to a call in the loop, the flush
      // accumulator would live in memory.
      classify_high<Overflow>(m, counts_);
      (classify_high<Overflow>(more, counts_), ...);
    }
  }
  void flush(fused::LocalStats& tally, DType d, const fused::CastClasses& c) const {
    fused::LocalCounts out;
    counts_.add_to(c, out);
    out.flushed += flushed_;
    tally.add(d, out);
  }

 private:
  int64_t flushed_ = 0;
  fused::ThresholdCounts counts_;
};

/** The magnitude bits of a counted cast's operand; past a tail 0, which counts in no class. */
template <bool Tail>
SCALIFY_LANE VI count_bits(V x, int n) {
  if (Tail) x = _mm512_maskz_mov_ps(below(n), x);
  return as_i(abs(x));
}

}  // namespace w16
#endif
}  // namespace jit
}  // namespace scalify
