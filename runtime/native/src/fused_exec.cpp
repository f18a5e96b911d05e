// The register machine's lanes and ops (see fused.cpp for the program format): scalar
// semantics mirroring runtime/kernels/scalar-ops.ts, lane loads and stores (decode / encode
// through numerics.h and simd.h), rounding each op's result to its dtype, cast statistics, and
// one loop per op code. Built with -ffp-contract=off: f32 + − × ÷ sqrt are IEEE operations.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "extreme.h"
#include "fused.h"
#include "simd.h"

#if defined(__AVX2__) && defined(SCALIFY_HAVE_LIBMVEC)
#include <immintrin.h>
#define SCALIFY_VECTOR_MATH 1
// glibc libmvec (AVX2, 4 doubles; at most 4 ulp in double, far below one f32 ulp).
extern "C" {
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_sin(__m256d);
__m256d _ZGVdN4v_cos(__m256d);
__m256d _ZGVdN4v_tanh(__m256d);
__m256d _ZGVdN4vv_pow(__m256d, __m256d);
}
#endif

namespace scalify {
namespace fused {

namespace {

// ---- scalar semantics (runtime/kernels/scalar-ops.ts) ----

inline float fsign(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x; }
inline double fpow_ref(double a, double b) {
  if (a == 1) return 1;
  if (a == -1 && std::isinf(b)) return 1;
  return std::pow(a, b);
}
inline float fipow(float x, int64_t y) {
  if (y == 0) return 1.0f;
  uint64_t n = y < 0 ? static_cast<uint64_t>(-y) : static_cast<uint64_t>(y);
  bool have = false;
  float acc = 0, base = x;
  while (n > 0) {
    if (n & 1) {
      acc = have ? acc * base : base;
      have = true;
    }
    n >>= 1;
    if (n > 0) base = base * base;
  }
  return y < 0 ? 1.0f / acc : acc;
}
inline int32_t wrap_mul(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); }
inline int32_t idiv_ref(int32_t a, int32_t b) {
  if (b == 0) return 0;
  if (a == INT32_MIN && b == -1) return INT32_MIN;
  return a / b;
}
inline int32_t iipow(int32_t x, int64_t y) {
  uint64_t n = y < 0 ? static_cast<uint64_t>(-y) : static_cast<uint64_t>(y);
  int32_t acc = 1, base = x;
  while (n > 0) {
    if (n & 1) acc = wrap_mul(acc, base);
    n >>= 1;
    if (n > 0) base = wrap_mul(base, base);
  }
  return y < 0 ? idiv_ref(1, acc) : acc;
}

/** XLA ReducePrecision on the bits of a format with srcE/srcM bits (runtime/kernels/cast.ts). */
uint32_t reduce_precision_bits(uint32_t x, int srcE, int srcM, int e, int m) {
  const int nbits = 1 + srcE + srcM;
  const uint32_t wmask = nbits == 32 ? 0xffffffffu : ((1u << nbits) - 1u);
  const uint32_t sign_mask = 1u << (nbits - 1);
  const uint32_t exp_mask = ((1u << srcE) - 1u) << srcM;
  const bool is_nan = (x & (sign_mask - 1u)) > exp_mask;
  uint32_t r = x;
  if (m < srcM) {
    const int shift = srcM - m;
    const uint32_t last = 1u << shift;
    const uint32_t bias = (last >> 1) - 1u + ((r & last) >> shift);
    r = ((r + bias) & ~(last - 1u)) & wmask;
  }
  if (e < srcE) {
    const uint32_t exp_bias = (1u << (srcE - 1)) - 1u;
    const uint32_t reduced_bias = (1u << (e - 1)) - 1u;
    const uint32_t exponent = r & exp_mask;
    const uint32_t signed_zero = r & sign_mask;
    if (exponent > ((exp_bias + reduced_bias) << srcM))
      r = signed_zero + exp_mask;
    else if (exponent <= ((exp_bias - reduced_bias) << srcM))
      r = signed_zero;
  }
  if (is_nan) return m > 0 ? x : exp_mask;
  return r;
}

}  // namespace

/** How expensive an op is per element, to decide when to use threads. */
int op_cost(Code c) {
  switch (c) {
    case F_EXP: case F_LOG: case F_TANH: case F_LOGISTIC: case F_ERF: case F_SIN: case F_COS: case F_POW:
      return 16;
    case F_IPOW: case I_IPOW:
      return 4;
    default:
      return 1;
  }
}

// ---- lane conversions ----


/** The f32 image of rounding f32 bits `u` to dtype d (non-saturating unless `sat`). */
float round_to(DType d, float x, bool sat, const DecodeTables& T) {
  const uint32_t u = f32_bits(x);
  switch (d) {
    case DType::F16:
      return T.f16[encode_f16(u)];
    case DType::BF16:
      return decode_bf16(encode_bf16(u));
    case DType::E4M3FN:
      return T.e4m3fn[encode_e4m3fn(u, sat)];
    case DType::E5M2:
      return T.e5m2[encode_e5m2(u, sat)];
    default:
      return x;
  }
}

static void round_block(DType d, float* x, int L, bool sat, const DecodeTables& T) {
  switch (d) {
    case DType::F16:
      simd::round_f16(x, L, T);
      break;
    case DType::BF16:
      simd::round_bf16(x, L);
      break;
    case DType::E4M3FN:
      simd::round_fp8(x, L, true, sat, T.e4m3fn);
      break;
    case DType::E5M2:
      simd::round_fp8(x, L, false, sat, T.e5m2);
      break;
    default:
      break;
  }
}

/** Decodes n elements of `d` at src (element offset `off`) into 4-byte lanes (floats, or ints for i32/bool). */
void load_block(DType d, const void* src, int64_t off, int L, void* dst, const DecodeTables& T) {
  switch (d) {
    case DType::F32:
    case DType::I32:
      std::memcpy(dst, static_cast<const uint32_t*>(src) + off, static_cast<size_t>(L) * 4);
      break;
    case DType::F16:
      simd::decode_f16(static_cast<const uint16_t*>(src) + off, static_cast<float*>(dst), L, T);
      break;
    case DType::BF16: {
      const uint16_t* s = static_cast<const uint16_t*>(src) + off;
      uint32_t* o = static_cast<uint32_t*>(dst);
      for (int i = 0; i < L; i++) o[i] = static_cast<uint32_t>(s[i]) << 16;
      break;
    }
    case DType::E4M3FN:
      simd::decode_u8(static_cast<const uint8_t*>(src) + off, T.e4m3fn, static_cast<float*>(dst), L);
      break;
    case DType::E5M2:
      simd::decode_u8(static_cast<const uint8_t*>(src) + off, T.e5m2, static_cast<float*>(dst), L);
      break;
    case DType::BOOL: {
      const uint8_t* s = static_cast<const uint8_t*>(src) + off;
      int32_t* o = static_cast<int32_t*>(dst);
      for (int i = 0; i < L; i++) o[i] = s[i];  // raw bytes: select_n moves them unchanged; ops test ≠ 0
      break;
    }
  }
}

/** Encodes L lanes (exact images of dtype d) into storage at element offset `off`. */
void store_block(DType d, const void* lanes, int L, void* dst, int64_t off) {
  const uint32_t* s = static_cast<const uint32_t*>(lanes);
  switch (d) {
    case DType::F32:
    case DType::I32:
      std::memcpy(static_cast<uint32_t*>(dst) + off, s, static_cast<size_t>(L) * 4);
      break;
    case DType::F16:
      simd::store_f16_block(s, static_cast<uint16_t*>(dst) + off, L);
      break;
    case DType::BF16:
      simd::store_bf16_block(s, static_cast<uint16_t*>(dst) + off, L);
      break;
    case DType::E4M3FN:
      simd::encode_fp8(s, static_cast<uint8_t*>(dst) + off, L, true, false);  // store_e4m3fn is the encoder
      break;
    case DType::E5M2:
      simd::store_e5m2_block(s, static_cast<uint8_t*>(dst) + off, L);
      break;
    case DType::BOOL: {
      uint8_t* o = static_cast<uint8_t*>(dst) + off;
      for (int i = 0; i < L; i++) o[i] = static_cast<uint8_t>(s[i]);
      break;
    }
  }
}

/**
 * Rounding is monotonic in the magnitude, so a cast's flushes and overflows are the operand
 * magnitudes below and above two thresholds; they are found by bisection over the bit patterns
 * once per dtype rather than written down, so that they follow round_to, and so is what round_to
 * makes of an overflow, ±Inf and NaN (saturation clamps fp8; f16 and bf16 ignore it).
 */
const CastClasses& cast_classes(DType d, bool sat) {
  static const auto table = [] {
    std::array<std::array<CastClasses, 2>, kNumDTypes> t{};
    const DecodeTables& T = decode_tables();
    for (int k = 0; k < kNumDTypes; k++) {
      const DType dk = static_cast<DType>(k);
      const auto round = [&](uint32_t bits, bool s) { return round_to(dk, f32_from_bits(bits), s, T); };
      uint32_t lo = 0, hi = 0x3f800000u;  // round(0) = 0; 1 is exact in every float dtype
      while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        (round(mid, false) == 0 ? lo : hi) = mid;
      }
      const uint32_t flush_max = lo;
      lo = 0, hi = 0x7f800000u;  // round(lo) finite; hi = +inf rounds to +inf
      while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        (std::isfinite(round(mid, false)) ? lo : hi) = mid;
      }
      for (int s = 0; s < 2; s++) {
        const auto stays = [&](uint32_t bits) { return static_cast<uint32_t>(!std::isfinite(round(bits, s == 1))); };
        t[k][s] = CastClasses{flush_max, hi, stays(hi), stays(0x7f800000u), stays(0x7fc00000u)};
      }
    }
    return t;
  }();
  return table[static_cast<int>(d)][sat ? 1 : 0];
}

void count_lanes(const float* x, int L, const CastClasses& c, LocalCounts& out) {
  // Five threshold counts on the magnitude bits (signed: they are < 2^31), which vectorise into
  // a compare and a subtract each; the classes are their differences.
  const int32_t* u = reinterpret_cast<const int32_t*>(x);
  const int32_t flush_max = static_cast<int32_t>(c.flush_max), overflow = static_cast<int32_t>(c.overflow);
  // Most blocks hold no magnitude that flushes or overflows, which a min and a max show first
  // (a − 1 wraps for a = 0, so zeros do not count as flushed).
  uint32_t least = UINT32_MAX;
  int32_t most = 0;
  for (int i = 0; i < L; i++) {
    const int32_t a = u[i] & 0x7fffffff;
    least = std::min(least, static_cast<uint32_t>(a) - 1u);
    most = std::max(most, a);
  }
  if (least >= c.flush_max && most < overflow) return;
  ThresholdCounts n;
  if (most < overflow) {
    // The usual case (values flush, none overflows): two of the five counts.
    int32_t zero = 0, small = 0;
    for (int i = 0; i < L; i++) {
      const int32_t a = u[i] & 0x7fffffff;
      zero += a == 0;
      small += a <= flush_max;
    }
    n.zero = zero;
    n.small = small;
  } else {
    for (int i = 0; i < L; i++) n.add<int32_t>(u[i] & 0x7fffffff, flush_max, overflow, 0x7f800000);
  }
  n.add_to(c, out);
}

/** Counts a cast of L lanes to d before they are rounded (runtime/numerics/codec.ts encodeWithStats). */
static void count_block(const float* x, int L, DType d, bool sat, LocalStats& st) {
  LocalCounts c;
  count_lanes(x, L, cast_classes(d, sat), c);
  st.add(d, c);
}

/** sf.pow2.roundDown / roundUp on f32 bits (runtime/numerics/pow2.ts). */
static inline uint32_t pow2_down_bits(uint32_t u) {
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u || abs == 0) return u;
  const uint32_t sign = u & 0x80000000u;
  if (abs >= 0x00800000u) return sign | (abs & 0x7f800000u);
  return sign | (0x80000000u >> __builtin_clz(abs));
}
static inline uint32_t pow2_up_bits(uint32_t u) {
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u || abs == 0) return u;
  const uint32_t sign = u & 0x80000000u;
  if (abs >= 0x00800000u) {
    if ((abs & 0x007fffffu) == 0) return u;
    return sign | ((abs & 0x7f800000u) + 0x00800000u);
  }
  if ((abs & (abs - 1)) == 0) return u;
  return sign | (0x80000000u >> (__builtin_clz(abs) - 1));
}

// ---- transcendentals: f32 → double → f(x) → rounded once to f32 ----

#ifdef SCALIFY_VECTOR_MATH
namespace {

inline __m256d v_logistic(__m256d x) {
  const __m256d one = _mm256_set1_pd(1.0);
  return _mm256_div_pd(one, _mm256_add_pd(one, _ZGVdN4v_exp(_mm256_sub_pd(_mm256_setzero_pd(), x))));
}

/** o[i] = (float) f((double) a[i]), four at a time (the tail goes through a padded vector too). */
template <class F>
inline void map_pd(const float* a, float* o, int L, F f) {
  int i = 0;
  for (; i + 4 <= L; i += 4) _mm_storeu_ps(o + i, _mm256_cvtpd_ps(f(_mm256_cvtps_pd(_mm_loadu_ps(a + i)))));
  if (i < L) {
    alignas(16) float in[4] = {0, 0, 0, 0}, out[4];
    for (int j = 0; i + j < L; j++) in[j] = a[i + j];
    _mm_store_ps(out, _mm256_cvtpd_ps(f(_mm256_cvtps_pd(_mm_load_ps(in)))));
    for (int j = 0; i + j < L; j++) o[i + j] = out[j];
  }
}
template <class F>
inline void map2_pd(const float* a, const float* b, float* o, int L, F f) {
  int i = 0;
  for (; i + 4 <= L; i += 4) _mm_storeu_ps(o + i, _mm256_cvtpd_ps(f(_mm256_cvtps_pd(_mm_loadu_ps(a + i)), _mm256_cvtps_pd(_mm_loadu_ps(b + i)))));
  if (i < L) {
    alignas(16) float x[4] = {0, 0, 0, 0}, y[4] = {0, 0, 0, 0}, out[4];
    for (int j = 0; i + j < L; j++) x[j] = a[i + j], y[j] = b[i + j];
    _mm_store_ps(out, _mm256_cvtpd_ps(f(_mm256_cvtps_pd(_mm_load_ps(x)), _mm256_cvtps_pd(_mm_load_ps(y)))));
    for (int j = 0; i + j < L; j++) o[i + j] = out[j];
  }
}
}  // namespace
#endif

// ---- one op over L lanes ----

/** o = f(a, b) over L lanes; an argument flagged in `scalar_args` is one value, read once. */
template <class F>
static inline void binary(const float* a, const float* b, float* o, int L, unsigned scalar_args, F f) {
  if (scalar_args & 2u) {
    const float y = b[0];
#pragma GCC unroll 4
    for (int i = 0; i < L; i++) o[i] = f(a[i], y);
  } else if (scalar_args & 1u) {
    const float x = a[0];
#pragma GCC unroll 4
    for (int i = 0; i < L; i++) o[i] = f(x, b[i]);
  } else {
#pragma GCC unroll 4
    for (int i = 0; i < L; i++) o[i] = f(a[i], b[i]);
  }
}

void exec_op(const VOp& op, void* const* R, void* dst_v, int L, LocalStats* st, const DecodeTables& T, float reciprocal) {
  float* o = static_cast<float*>(dst_v);
  int32_t* oi = static_cast<int32_t*>(dst_v);
  const int na = static_cast<int>(op.args.size());
  const float* a = na > 0 ? static_cast<const float*>(R[op.args[0]]) : nullptr;
  const float* b = na > 1 ? static_cast<const float*>(R[op.args[1]]) : nullptr;
  const int32_t* ai = reinterpret_cast<const int32_t*>(a);
  const int32_t* bi = reinterpret_cast<const int32_t*>(b);
#define LOOP(expr)                        \
  _Pragma("GCC unroll 4")                 \
  for (int i = 0; i < L; i++) expr;       \
  break
  switch (op.code) {
    case F_NEG: LOOP(o[i] = -a[i]);
    case F_ABS: LOOP(o[i] = std::fabs(a[i]));
    case F_SIGN: LOOP(o[i] = fsign(a[i]));
    case F_SQRT: LOOP(o[i] = std::sqrt(a[i]));
    case F_RSQRT: LOOP(o[i] = 1.0f / std::sqrt(a[i]));
#ifdef SCALIFY_VECTOR_MATH
    case F_EXP: map_pd(a, o, L, [](__m256d x) { return _ZGVdN4v_exp(x); }); break;
    case F_LOG: map_pd(a, o, L, [](__m256d x) { return _ZGVdN4v_log(x); }); break;
    case F_TANH: map_pd(a, o, L, [](__m256d x) { return _ZGVdN4v_tanh(x); }); break;
    case F_LOGISTIC: map_pd(a, o, L, v_logistic); break;
    case F_SIN: map_pd(a, o, L, [](__m256d x) { return _ZGVdN4v_sin(x); }); break;
    case F_COS: map_pd(a, o, L, [](__m256d x) { return _ZGVdN4v_cos(x); }); break;
#else
    case F_EXP: LOOP(o[i] = static_cast<float>(std::exp(static_cast<double>(a[i]))));
    case F_LOG: LOOP(o[i] = static_cast<float>(std::log(static_cast<double>(a[i]))));
    case F_TANH: LOOP(o[i] = static_cast<float>(std::tanh(static_cast<double>(a[i]))));
    case F_LOGISTIC: LOOP(o[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(a[i])))));
    case F_SIN: LOOP(o[i] = static_cast<float>(std::sin(static_cast<double>(a[i]))));
    case F_COS: LOOP(o[i] = static_cast<float>(std::cos(static_cast<double>(a[i]))));
#endif
    case F_ERF: erf_block(a, o, L); break;
    case F_IPOW:
      // Small exponents spelled out, in fipow's order of products (bit for bit), so they vectorise.
      switch (op.ipow) {
        case 1: LOOP(o[i] = a[i]);
        case 2: LOOP(o[i] = a[i] * a[i]);
        case 3: LOOP(o[i] = a[i] * (a[i] * a[i]));
        case -1: LOOP(o[i] = 1.0f / a[i]);
        case -2: LOOP(o[i] = 1.0f / (a[i] * a[i]));
        default: LOOP(o[i] = fipow(a[i], op.ipow));
      }
      break;
    case I_NEG: LOOP(oi[i] = static_cast<int32_t>(0u - static_cast<uint32_t>(ai[i])));
    case I_ABS: LOOP(oi[i] = ai[i] < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(ai[i])) : ai[i]);
    case I_SIGN: LOOP(oi[i] = ai[i] > 0 ? 1 : ai[i] < 0 ? -1 : 0);
    case I_IPOW: LOOP(oi[i] = iipow(ai[i], op.ipow));
    case I_NOT: LOOP(oi[i] = ~ai[i]);
    case B_NOT: LOOP(oi[i] = ai[i] ? 0 : 1);
    case F_ADD: binary(a, b, o, L, op.scalar_args, [](float x, float y) { return x + y; }); break;
    case F_SUB: binary(a, b, o, L, op.scalar_args, [](float x, float y) { return x - y; }); break;
    case F_MUL: binary(a, b, o, L, op.scalar_args, [](float x, float y) { return x * y; }); break;
    case F_DIV:
      if (reciprocal != 0.0f) binary(a, &reciprocal, o, L, 2u, [](float x, float y) { return x * y; });
      else binary(a, b, o, L, op.scalar_args, [](float x, float y) { return x / y; });
      break;
    case F_MAX: binary(a, b, o, L, op.scalar_args, [](float x, float y) { return fmax_ref(x, y); }); break;
    case F_MIN: binary(a, b, o, L, op.scalar_args, [](float x, float y) { return fmin_ref(x, y); }); break;
    case F_POW: LOOP(o[i] = static_cast<float>(fpow_ref(a[i], b[i])));
    case I_ADD: LOOP(oi[i] = static_cast<int32_t>(static_cast<uint32_t>(ai[i]) + static_cast<uint32_t>(bi[i])));
    case I_SUB: LOOP(oi[i] = static_cast<int32_t>(static_cast<uint32_t>(ai[i]) - static_cast<uint32_t>(bi[i])));
    case I_MUL: LOOP(oi[i] = wrap_mul(ai[i], bi[i]));
    case I_DIV: LOOP(oi[i] = idiv_ref(ai[i], bi[i]));
    case I_MAX: LOOP(oi[i] = ai[i] > bi[i] ? ai[i] : bi[i]);
    case I_MIN: LOOP(oi[i] = ai[i] < bi[i] ? ai[i] : bi[i]);
    case I_AND: LOOP(oi[i] = ai[i] & bi[i]);
    case I_OR: LOOP(oi[i] = ai[i] | bi[i]);
    case I_SHR: LOOP(oi[i] = (bi[i] < 0 || bi[i] >= 32) ? 0 : static_cast<int32_t>(static_cast<uint32_t>(ai[i]) >> bi[i]));
    case F_EQ: LOOP(oi[i] = a[i] == b[i]);
    case F_NE: LOOP(oi[i] = a[i] != b[i]);
    case F_LT: LOOP(oi[i] = a[i] < b[i]);
    case F_LE: LOOP(oi[i] = a[i] <= b[i]);
    case F_GT: LOOP(oi[i] = a[i] > b[i]);
    case F_GE: LOOP(oi[i] = a[i] >= b[i]);
    case I_EQ: LOOP(oi[i] = ai[i] == bi[i]);
    case I_NE: LOOP(oi[i] = ai[i] != bi[i]);
    case I_LT: LOOP(oi[i] = ai[i] < bi[i]);
    case I_LE: LOOP(oi[i] = ai[i] <= bi[i]);
    case I_GT: LOOP(oi[i] = ai[i] > bi[i]);
    case I_GE: LOOP(oi[i] = ai[i] >= bi[i]);
    case B_EQ: LOOP(oi[i] = (ai[i] != 0) == (bi[i] != 0));
    case B_NE: LOOP(oi[i] = (ai[i] != 0) != (bi[i] != 0));
    case B_LT: LOOP(oi[i] = (ai[i] != 0) < (bi[i] != 0));
    case B_LE: LOOP(oi[i] = (ai[i] != 0) <= (bi[i] != 0));
    case B_GT: LOOP(oi[i] = (ai[i] != 0) > (bi[i] != 0));
    case B_GE: LOOP(oi[i] = (ai[i] != 0) >= (bi[i] != 0));
    case B_AND: LOOP(oi[i] = (ai[i] != 0) & (bi[i] != 0));
    case B_OR: LOOP(oi[i] = (ai[i] != 0) | (bi[i] != 0));
    case CVT_B_I: LOOP(oi[i] = ai[i] != 0);
    case SELECT_B: {
      // Lanes are moved as bits, so NaN payloads survive (select is data movement).
      const uint32_t* c0 = static_cast<const uint32_t*>(R[op.args[1]]);
      const uint32_t* c1 = static_cast<const uint32_t*>(R[op.args[2]]);
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      LOOP(ou[i] = ai[i] ? c1[i] : c0[i]);
    }
    case SELECT_I: {
      const int nc = na - 1;
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      if (nc == 2) {
        const uint32_t* c0 = static_cast<const uint32_t*>(R[op.args[1]]);
        const uint32_t* c1 = static_cast<const uint32_t*>(R[op.args[2]]);
        LOOP(ou[i] = ai[i] > 0 ? c1[i] : c0[i]);
      }
      for (int i = 0; i < L; i++) {
        const int32_t w = ai[i];
        const int k = w < 0 ? 0 : w >= nc ? nc - 1 : w;
        ou[i] = static_cast<const uint32_t*>(R[op.args[1 + k]])[i];
      }
      break;
    }
    case CVT_F_F:
      if (op.encode_at_store && st == nullptr) {
        if (o != a) std::memcpy(o, a, static_cast<size_t>(L) * 4);
      } else {
        // Vectorised: count the operand's lanes (o may be a), copy them, round them in place
        // (round_block is exact, simd.h).
        if (st != nullptr && op.count) count_block(a, L, op.dtype, op.saturate, *st);
        if (o != a) std::memcpy(o, a, static_cast<size_t>(L) * 4);
        round_block(op.dtype, o, L, op.saturate, T);
      }
      break;
    case CVT_F_I: LOOP(oi[i] = to_i32(a[i]));
    case CVT_F_B: LOOP(oi[i] = a[i] != 0);
    case CVT_I_F:
      // i32 → f32 rounds to nearest even (Float32Array.from), then to the dtype.
      for (int i = 0; i < L; i++) o[i] = static_cast<float>(ai[i]);
      if (st != nullptr && op.count) count_block(o, L, op.dtype, op.saturate, *st);
      round_block(op.dtype, o, L, op.saturate, T);
      break;
    case CVT_I_B: LOOP(oi[i] = ai[i] != 0);
    case CVT_B_F: LOOP(o[i] = ai[i] ? 1.0f : 0.0f);  // 0 and 1 are exact in every float dtype: nothing to count
    case COPY: LOOP(oi[i] = ai[i]);
    case RED_PREC: {
      const uint32_t* au = reinterpret_cast<const uint32_t*>(a);
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      switch (op.src) {
        case DType::F32: LOOP(ou[i] = reduce_precision_bits(au[i], 8, 23, op.e, op.m));
        case DType::F16: LOOP(o[i] = T.f16[reduce_precision_bits(store_f16(au[i]), 5, 10, op.e, op.m)]);
        case DType::BF16: LOOP(o[i] = decode_bf16(static_cast<uint16_t>(reduce_precision_bits(store_bf16(au[i]), 8, 7, op.e, op.m))));
        case DType::E5M2: LOOP(o[i] = T.e5m2[reduce_precision_bits(store_e5m2(au[i]), 5, 2, op.e, op.m)]);
        default: LOOP(o[i] = T.e4m3fn[encode_e4m3fn(reduce_precision_bits(au[i], 8, 23, op.e, op.m), false)]);
      }
      break;
    }
    case POW2_DOWN: {
      const uint32_t* au = reinterpret_cast<const uint32_t*>(a);
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      LOOP(ou[i] = pow2_down_bits(au[i]));
    }
    case POW2_UP: {
      const uint32_t* au = reinterpret_cast<const uint32_t*>(a);
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      LOOP(ou[i] = pow2_up_bits(au[i]));
    }
    case BCAST: {
      const uint32_t* au = reinterpret_cast<const uint32_t*>(a);
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      if (op.scalar_args & 1u) std::fill(ou, ou + L, au[0]);
      else std::memcpy(ou, au, static_cast<size_t>(L) * 4);
      break;
    }
    case BCAST_VIEW:  // gathered by the kernel (it needs the operand's memory), never here
      break;
    case PREDICTED:  // a scalar register: FusedKernel::run loads it from the predictions
      break;
    case LITERAL: {
      uint32_t* ou = static_cast<uint32_t*>(dst_v);
      LOOP(ou[i] = op.lit);
    }
  }
#undef LOOP
  if (op.round) round_block(op.dtype, o, L, false, T);
}


}  // namespace fused
}  // namespace scalify
