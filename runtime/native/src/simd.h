// Vectorised versions of the hottest numerics loops (F16C/AVX2 when the compiler targets them,
// -march=native; the portable loops otherwise). Each agrees bit for bit with its scalar
// counterpart in numerics.h for every input, NaN payloads included (checked exhaustively for all
// 2^32 f32 patterns and 2^16 f16 codes during development, and by the differential tests).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "numerics.h"

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#define SCALIFY_SIMD_F16 1
#endif

// Functions of a few register ops: always inlined, as the compiled fused kernels (jit_lanes.h)
// need. A large kernel reaches the compiler's inlining budget, and a call in its loop makes the
// caller save every live vector register (all are caller-saved).
#define SCALIFY_LANE inline __attribute__((always_inline))

namespace scalify {
namespace simd {

#ifdef SCALIFY_SIMD_F16
/** f32 bits of the f16 codes in v (8 lanes), NaN payloads as the decode table has them. */
SCALIFY_LANE __m256i f16_to_f32_bits(__m128i h) {
  const __m256 f = _mm256_cvtph_ps(h);
  const __m256i u = _mm256_castps_si256(f);
  // vcvtph2ps makes signalling NaNs quiet; the table keeps them: rebuild NaN lanes exactly. Most
  // vectors hold no NaN, and the test costs a fraction of the rebuild (which made decoding and
  // rounding f16 lanes several times dearer than the conversion itself).
  const __m256 unordered = _mm256_cmp_ps(f, f, _CMP_UNORD_Q);
  if (_mm256_testz_ps(unordered, unordered)) return u;
  const __m256i hw = _mm256_cvtepu16_epi32(h);
  const __m256i abs = _mm256_and_si256(hw, _mm256_set1_epi32(0x7fff));
  const __m256i is_nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7c00));
  const __m256i nan_bits = _mm256_or_si256(_mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(hw, _mm256_set1_epi32(0x8000)), 16), _mm256_set1_epi32(0x7f800000)),
                                           _mm256_slli_epi32(_mm256_and_si256(hw, _mm256_set1_epi32(0x3ff)), 13));
  return _mm256_blendv_epi8(u, nan_bits, is_nan);
}

/** 8 × 32-bit lanes (values < 2^16) packed into 8 × 16 bits. */
SCALIFY_LANE __m128i pack_u16_v(__m256i wide) {
  const __m256i packed = _mm256_packus_epi32(wide, wide);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
}
#endif

/** o[i] = decode(s[i]) for f16 codes. */
inline void decode_f16(const uint16_t* s, float* o, int64_t L, const DecodeTables& T) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + i), f16_to_f32_bits(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
#endif
  for (; i < L; i++) o[i] = T.f16[s[i]];
}

#ifdef SCALIFY_SIMD_F16
/** The f16 codes of 8 lanes (round to nearest even, overflow → ±Inf; NaNs quiet). */
SCALIFY_LANE __m128i f16_round_codes_v(__m256 v) { return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/**
 * The f32 images of codes from f16_round_codes_v: vcvtps2ph makes every NaN quiet, and
 * vcvtph2ps keeps a quiet NaN's payload, so no NaN needs f16_to_f32_bits' rebuild.
 */
SCALIFY_LANE __m256 f16_rounded_image_v(__m128i h) { return _mm256_cvtph_ps(h); }
/** The 8 lanes rounded to f16 and decoded. */
SCALIFY_LANE __m256 round_f16_v(__m256 v) { return f16_rounded_image_v(f16_round_codes_v(v)); }

/** store_f16 of 8 lanes (exact images of f16 values back to their codes, NaN payloads kept). */
SCALIFY_LANE __m128i f16_codes_v(__m256i u) {
  __m128i h = _mm256_cvtps_ph(_mm256_castsi256_ps(u), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // NaN images of f16 codes (low 13 bits zero) go back to their exact codes; vcvtps2ph would quiet them.
  const __m256i abs = _mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff));
  const __m256i is_nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7f800000));
  const __m256i low_zero = _mm256_cmpeq_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x1fff)), _mm256_setzero_si256());
  const __m256i fix = _mm256_and_si256(is_nan, low_zero);
  if (!_mm256_testz_si256(fix, fix)) {
    const __m256i code = _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x8000)), _mm256_set1_epi32(0x7c00)),
                                         _mm256_and_si256(_mm256_srli_epi32(u, 13), _mm256_set1_epi32(0x3ff)));
    const __m256i wide = _mm256_blendv_epi8(_mm256_cvtepu16_epi32(h), code, fix);
    h = pack_u16_v(wide);
  }
  return h;
}
#endif

/** x[i] = decode(encode_f16(x[i])): the value rounded to f16 (round to nearest even, overflow → ±Inf). */
inline void round_f16(float* x, int64_t L, const DecodeTables& T) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) _mm256_storeu_ps(x + i, round_f16_v(_mm256_loadu_ps(x + i)));
#endif
  for (; i < L; i++) x[i] = T.f16[encode_f16(f32_bits(x[i]))];
}

/** o[i] = store_f16(s[i]) (exact images of f16 values back to their codes, NaN payloads kept). */
inline void store_f16_block(const uint32_t* s, uint16_t* o, int64_t L) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), f16_codes_v(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))));
#endif
  for (; i < L; i++) o[i] = store_f16(s[i]);
}

/** o[i] = table[s[i]] for 8-bit codes (fp8 decode). */
inline void decode_u8(const uint8_t* s, const float* table, float* o, int64_t L) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) {
    const __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + i)));
    _mm256_storeu_ps(o + i, _mm256_i32gather_ps(table, idx, 4));
  }
#endif
  for (; i < L; i++) o[i] = table[s[i]];
}

#ifdef SCALIFY_SIMD_F16
/** rne_shift with a per-lane shift (1 ≤ s ≤ 31). */
SCALIFY_LANE __m256i rne_shift_v(__m256i x, __m256i s) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i half_m1 = _mm256_sub_epi32(_mm256_sllv_epi32(one, _mm256_sub_epi32(s, one)), one);
  const __m256i odd = _mm256_and_si256(_mm256_srlv_epi32(x, s), one);
  return _mm256_srlv_epi32(_mm256_add_epi32(_mm256_add_epi32(x, half_m1), odd), s);
}

/**
 * fp8 codes of 8 f32 bit patterns (numerics.h encode_e4m3fn / encode_e5m2, lane by lane):
 * m mantissa bits, bias, the largest finite magnitude code, the NaN code, the overflow code.
 */
SCALIFY_LANE __m256i encode_fp8_v(__m256i u, int m, int bias, int max_code, int nan_code, int overflow_code) {
  const int shift = 23 - m, rebias = 127 - bias;
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(u, 24), _mm256_set1_epi32(0x80));
  const __m256i abs = _mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff));
  const __m256i e = _mm256_srli_epi32(abs, 23);
  // Normal in the target: round the f32 mantissa, rebias the exponent (a carry bumps it).
  const __m256i normal = _mm256_sub_epi32(rne_shift_v(abs, _mm256_set1_epi32(shift)), _mm256_set1_epi32(rebias << m));
  // Subnormal (or zero): the implicit bit made explicit, shifted further.
  const __m256i e_is0 = _mm256_cmpeq_epi32(e, _mm256_setzero_si256());
  const __m256i mant = _mm256_blendv_epi8(_mm256_or_si256(_mm256_and_si256(abs, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(0x800000)), abs, e_is0);
  const __m256i e1 = _mm256_max_epi32(e, _mm256_set1_epi32(1));
  const __m256i sh = _mm256_sub_epi32(_mm256_set1_epi32(shift + rebias + 1), e1);
  const __m256i too_far = _mm256_cmpgt_epi32(sh, _mm256_set1_epi32(25));
  const __m256i sub = _mm256_andnot_si256(too_far, rne_shift_v(mant, _mm256_min_epi32(sh, _mm256_set1_epi32(25))));
  const __m256i is_normal = _mm256_cmpgt_epi32(e, _mm256_set1_epi32(rebias));
  const __m256i c = _mm256_blendv_epi8(sub, normal, is_normal);
  // Range check after rounding; NaN in.
  __m256i code = _mm256_blendv_epi8(c, _mm256_set1_epi32(overflow_code), _mm256_cmpgt_epi32(c, _mm256_set1_epi32(max_code)));
  code = _mm256_blendv_epi8(code, _mm256_set1_epi32(nan_code), _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7f800000)));
  return _mm256_or_si256(code, sign);
}

/** 8 × 32-bit lanes holding bytes → 8 bytes. */
inline void store_bytes(__m256i v, uint8_t* o) {
  const __m256i p16 = _mm256_packus_epi32(v, v);
  const __m256i p8 = _mm256_packus_epi16(p16, p16);
  const __m256i perm = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm256_castsi256_si128(perm));
}

/** bf16 rounding of 8 f32 bit patterns to nearest even, before the shift by 16. */
SCALIFY_LANE __m256i bf16_rne_v(__m256i v) {
  return _mm256_add_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(0x7fff)), _mm256_and_si256(_mm256_srli_epi32(v, 16), _mm256_set1_epi32(1)));
}
SCALIFY_LANE __m256i is_nan_bits_v(__m256i v) { return _mm256_cmpgt_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000)); }
/** round_bf16 of 8 lanes. */
SCALIFY_LANE __m256i round_bf16_v(__m256i v) {
  const __m256i r = _mm256_slli_epi32(_mm256_srli_epi32(bf16_rne_v(v), 16), 16);
  const __m256i q = _mm256_and_si256(_mm256_or_si256(v, _mm256_set1_epi32(0x00400000)), _mm256_set1_epi32(static_cast<int>(0xffff0000u)));
  return _mm256_blendv_epi8(r, q, is_nan_bits_v(v));
}
/** store_bf16 of 8 lanes. */
SCALIFY_LANE __m128i bf16_codes_v(__m256i v) {
  const __m256i rounded = _mm256_srli_epi32(bf16_rne_v(v), 16);
  const __m256i hi = _mm256_srli_epi32(v, 16);
  const __m256i low_zero = _mm256_cmpeq_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0xffff)), _mm256_setzero_si256());
  const __m256i quiet = _mm256_blendv_epi8(_mm256_or_si256(hi, _mm256_set1_epi32(0x40)), hi, low_zero);
  return pack_u16_v(_mm256_blendv_epi8(rounded, quiet, is_nan_bits_v(v)));
}
#endif

/** x[i] = the bf16 image of x[i] (round to nearest even, NaN made quiet). */
inline void round_bf16(float* x, int64_t L) {
  uint32_t* u = reinterpret_cast<uint32_t*>(x);
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + i), round_bf16_v(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + i))));
#endif
  for (; i < L; i++) {
    const uint32_t v = u[i];
    const uint32_t nan = (v & 0x7fffffffu) > 0x7f800000u;
    const uint32_t r = ((v + 0x7fffu + ((v >> 16) & 1u)) >> 16) << 16;
    const uint32_t q = (v | 0x00400000u) & 0xffff0000u;
    u[i] = nan ? q : r;
  }
}

/**
 * Copies L 4-byte lanes with non-temporal stores where dst is 32-byte aligned (plain stores
 * before and after): for outputs far larger than the caches, which are then written without
 * first being read into them. The caller issues sfence() before anyone else reads dst.
 */
inline void stream_lanes(const uint32_t* s, uint32_t* dst, int64_t L) {
  int64_t i = 0;
#if defined(__AVX2__)
  for (; i < L && (reinterpret_cast<uintptr_t>(dst + i) & 31) != 0; i++) dst[i] = s[i];
  for (; i + 8 <= L; i += 8) _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)));
#endif
  for (; i < L; i++) dst[i] = s[i];
}

/** Orders earlier non-temporal stores of this thread before its later stores (stream_lanes). */
inline void sfence() {
#if defined(__AVX2__)
  _mm_sfence();
#endif
}

/** fp8 codes of f32 values: e4m3fn (m = 3) or e5m2 (m = 2), non-saturating or saturating. */
inline void encode_fp8(const uint32_t* u, uint8_t* o, int64_t L, bool e4m3, bool sat) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  const int m = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15, max_code = e4m3 ? 0x7e : 0x7b, nan_code = e4m3 ? 0x7f : 0x7e;
  const int overflow = sat ? max_code : (e4m3 ? 0x7f : 0x7c);
  for (; i + 8 <= L; i += 8)
    store_bytes(encode_fp8_v(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + i)), m, bias, max_code, nan_code, overflow), o + i);
#endif
  for (; i < L; i++) o[i] = e4m3 ? encode_e4m3fn(u[i], sat) : encode_e5m2(u[i], sat);
}

#ifdef SCALIFY_SIMD_F16
/** round_fp8 of 8 lanes: the constants of one format, then one call per vector. */
class Fp8Rounding {
 public:
  Fp8Rounding(bool e4m3, bool sat, const float* table) {
    const int m = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
    shift_ = _mm_cvtsi32_si128(23 - m);
    const int max_code = e4m3 ? 0x7e : 0x7b, nan_code = e4m3 ? 0x7f : 0x7e;
    const int overflow_code = sat ? max_code : (e4m3 ? 0x7f : 0x7c);
    uint32_t max_bits;
    std::memcpy(&max_bits, &table[max_code], 4);
    half_m1_ = _mm256_set1_epi32((1 << (22 - m)) - 1);
    keep_ = _mm256_set1_epi32(~((1 << (23 - m)) - 1));
    min_normal_m1_ = _mm256_set1_epi32(((127 + 1 - bias) << 23) - 1);
    max_finite_ = _mm256_set1_epi32(static_cast<int>(max_bits));
    c_ = _mm256_set1_ps(std::ldexp(1.0f, 1 - bias - m + 23));
    ovf_pos_ = _mm256_set1_ps(table[overflow_code]), ovf_neg_ = _mm256_set1_ps(table[overflow_code | 0x80]);
    nan_pos_ = _mm256_set1_ps(table[nan_code]), nan_neg_ = _mm256_set1_ps(table[nan_code | 0x80]);
  }
  SCALIFY_LANE __m256 operator()(__m256 v) const {
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
    const __m256i u = _mm256_castps_si256(v);
    const __m256i abs = _mm256_and_si256(u, abs_mask);
    const __m256i normal = _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(abs, half_m1_), _mm256_and_si256(_mm256_srl_epi32(abs, shift_), one)), keep_);
    const __m256 absf = _mm256_castsi256_ps(abs);
    const __m256i sub = _mm256_castps_si256(_mm256_sub_ps(_mm256_add_ps(absf, c_), c_));
    const __m256i r = _mm256_blendv_epi8(sub, normal, _mm256_cmpgt_epi32(abs, min_normal_m1_));
    __m256 out = _mm256_castsi256_ps(_mm256_or_si256(r, _mm256_andnot_si256(abs_mask, u)));
    out = _mm256_blendv_ps(out, _mm256_blendv_ps(ovf_pos_, ovf_neg_, v), _mm256_castsi256_ps(_mm256_cmpgt_epi32(r, max_finite_)));
    return _mm256_blendv_ps(out, _mm256_blendv_ps(nan_pos_, nan_neg_, v), _mm256_castsi256_ps(_mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7f800000))));
  }

 private:
  __m128i shift_;
  __m256i half_m1_, keep_, min_normal_m1_, max_finite_;
  __m256 c_, ovf_pos_, ovf_neg_, nan_pos_, nan_neg_;
};
#endif

/**
 * x[i] = the fp8 image of x[i], table[encode(x[i])], computed in f32 without codes: a normal
 * result rounds the f32 mantissa to m bits in the integer domain (a carry bumps the exponent);
 * a subnormal one is (|x| + C) − C with C = quantum·2^23, since that f32 addition rounds |x| to a
 * multiple of the format's quantum, ties to even; a rounded magnitude above the largest finite
 * value overflows, and NaNs give their image, both as the table holds them. Equal to the scalar
 * path for all 2^32 f32 patterns of both formats, saturating or not (test/fp8_exhaustive.cpp).
 */
inline void round_fp8(float* x, int64_t L, bool e4m3, bool sat, const float* table) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  const Fp8Rounding round(e4m3, sat, table);
  for (; i + 8 <= L; i += 8) _mm256_storeu_ps(x + i, round(_mm256_loadu_ps(x + i)));
#endif
  for (; i < L; i++) x[i] = table[e4m3 ? encode_e4m3fn(f32_bits(x[i]), sat) : encode_e5m2(f32_bits(x[i]), sat)];
}

#ifdef SCALIFY_SIMD_F16
/** store_e5m2 of 8 lanes: NaN images of e5m2 codes back to their codes, else the encoder. */
SCALIFY_LANE __m256i e5m2_codes_v(__m256i u) {
  const __m256i c = encode_fp8_v(u, 2, 15, 0x7b, 0x7e, 0x7c);
  const __m256i abs = _mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff));
  const __m256i img = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi32(abs, _mm256_set1_epi32(0x7fa00000)), _mm256_cmpeq_epi32(abs, _mm256_set1_epi32(0x7fc00000))),
                                      _mm256_cmpeq_epi32(abs, _mm256_set1_epi32(0x7fe00000)));
  const __m256i exact = _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u, 24), _mm256_set1_epi32(0x80)), _mm256_set1_epi32(0x7c)),
                                        _mm256_and_si256(_mm256_srli_epi32(abs, 21), _mm256_set1_epi32(3)));
  return _mm256_blendv_epi8(c, exact, img);
}
#endif

/** o[i] = store_e5m2(s[i]). */
inline void store_e5m2_block(const uint32_t* s, uint8_t* o, int64_t L) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) store_bytes(e5m2_codes_v(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))), o + i);
#endif
  for (; i < L; i++) o[i] = store_e5m2(s[i]);
}

/** o[i] = store_bf16(s[i]). */
inline void store_bf16_block(const uint32_t* s, uint16_t* o, int64_t L) {
  int64_t i = 0;
#ifdef SCALIFY_SIMD_F16
  for (; i + 8 <= L; i += 8) _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), bf16_codes_v(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))));
#endif
  for (; i < L; i++) {
    const uint32_t v = s[i];
    const bool nan = (v & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = (v + 0x7fffu + ((v >> 16) & 1u)) >> 16;
    const uint32_t quiet = (v & 0xffffu) == 0 ? (v >> 16) : ((v >> 16) | 0x40u);
    o[i] = static_cast<uint16_t>(nan ? quiet : rounded);
  }
}

}  // namespace simd
}  // namespace scalify
