// The kernel of a count-only cast (runtime/native/graph.ts foldCasts): the dot_generals that read
// the cast round their operand themselves as they pack it, so this instruction only adds to the
// cast statistics. It reads the operand once and classifies each magnitude against the cast's
// thresholds (fused::cast_classes) without rounding or storing anything: a counted fp8 training
// step spent ~1.2 ms in full casts here, ~0.35 ms in these. f16 operands (the scaled models'
// data) are classified on their codes, 16 to a vector, without decoding them at all (~0.2 ms).
#include <algorithm>
#include <cstring>
#include <optional>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "fused.h"
#include "thread_pool.h"

namespace scalify {

namespace {

/**
 * A cast's classes on f16 magnitude codes a (0 … 0x7fff), which order like the values they decode
 * to: 0 < a ≤ flush_max flushes, overflow ≤ a < Inf saturates, Inf = 0x7c00, NaN above it.
 */
struct F16Classes {
  int16_t flush_max = 0, overflow = 0x7c00;

  explicit F16Classes(const fused::CastClasses& c) {
    const DecodeTables& T = decode_tables();
    auto bits = [&](int a) {
      uint32_t u;
      std::memcpy(&u, &T.f16[a], 4);
      return u;
    };
    for (int a = 0; a <= 0x7c00; a++)
      if (bits(a) <= c.flush_max) flush_max = static_cast<int16_t>(a);
    for (int a = 0x7c00; a >= 0; a--)
      if (bits(a) >= c.overflow) overflow = static_cast<int16_t>(a);
  }

  /**
   * fused::count_lanes on codes: a min and a max first, then, if they show any, the threshold
   * counts — two, unless some magnitude reaches the overflow threshold (weights flush in most
   * blocks, hardly any overflow).
   */
  void count(const uint16_t* h, int L, const fused::CastClasses& c, fused::LocalCounts& out) const {
    constexpr int16_t kInf = 0x7c00;
    uint16_t least = UINT16_MAX;  // of a − 1, which wraps for a = 0: zeros do not flush
    int16_t most = 0;
    int i = 0;
#ifdef __AVX2__
    const __m256i mask = _mm256_set1_epi16(0x7fff), one = _mm256_set1_epi16(1);
    __m256i lo = _mm256_set1_epi16(-1), hi = _mm256_setzero_si256();
    for (; i + 16 <= L; i += 16) {
      const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i)), mask);
      lo = _mm256_min_epu16(lo, _mm256_sub_epi16(a, one));
      hi = _mm256_max_epi16(hi, a);
    }
    alignas(32) uint16_t lo16[16];
    alignas(32) int16_t hi16[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lo16), lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(hi16), hi);
    least = *std::min_element(lo16, lo16 + 16);
    most = *std::max_element(hi16, hi16 + 16);
#endif
    for (; i < L; i++) {
      const int16_t a = static_cast<int16_t>(h[i] & 0x7fff);
      least = std::min(least, static_cast<uint16_t>(a - 1));
      most = std::max(most, a);
    }
    if (least >= static_cast<uint16_t>(flush_max) && most < overflow) return;
    const bool high = most >= overflow;
    fused::ThresholdCounts n;
    i = 0;
#ifdef __AVX2__
    // Per-lane counts in 16 bits: at most L / 16 = 128 each.
    static_assert(fused::BLOCK / 16 < 32768, "16-bit lane counters");
    const __m256i z = _mm256_setzero_si256(), fm1 = _mm256_set1_epi16(static_cast<int16_t>(flush_max + 1)),
                  ov1 = _mm256_set1_epi16(static_cast<int16_t>(overflow - 1)), inf1 = _mm256_set1_epi16(kInf - 1), inf = _mm256_set1_epi16(kInf);
    __m256i vz = z, vs = z, vo = z, vi = z, vn = z;
    if (high) {
      for (; i + 16 <= L; i += 16) {
        const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i)), mask);
        vz = _mm256_sub_epi16(vz, _mm256_cmpeq_epi16(a, z));
        vs = _mm256_sub_epi16(vs, _mm256_cmpgt_epi16(fm1, a));
        vo = _mm256_sub_epi16(vo, _mm256_cmpgt_epi16(a, ov1));
        vi = _mm256_sub_epi16(vi, _mm256_cmpgt_epi16(a, inf1));
        vn = _mm256_sub_epi16(vn, _mm256_cmpgt_epi16(a, inf));
      }
    } else {
      for (; i + 16 <= L; i += 16) {
        const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i)), mask);
        vz = _mm256_sub_epi16(vz, _mm256_cmpeq_epi16(a, z));
        vs = _mm256_sub_epi16(vs, _mm256_cmpgt_epi16(fm1, a));
      }
    }
    n.zero = lane_sum(vz), n.small = lane_sum(vs), n.over = lane_sum(vo), n.inf_or_nan = lane_sum(vi), n.nan = lane_sum(vn);
#endif
    for (; i < L; i++) n.add<int16_t>(static_cast<int16_t>(h[i] & 0x7fff), flush_max, overflow, kInf);
    n.add_to(c, out);
  }

 private:
#ifdef __AVX2__
  /** The sum of 16 non-negative 16-bit lanes. */
  static int64_t lane_sum(__m256i v) {
    const __m256i w = _mm256_madd_epi16(v, _mm256_set1_epi16(1));
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xb1));
    return _mm_cvtsi128_si32(x);
  }
#endif
};

class CastCountKernel : public Kernel {
 public:
  CastCountKernel(DType src, DType to, bool saturate) : src_(src), to_(to), classes_(fused::cast_classes(to, saturate)) {
    if (src == DType::F16) f16_.emplace(classes_);  // its code thresholds: a scan of the f16 table
  }

  void run(const Buf* ins, const Buf* /*outs*/, RunCtx& ctx) const override {
    if (ctx.stats == nullptr) return;
    const int k = static_cast<int>(to_);
    ctx.stats->touched[k] = true;
    const Buf& x = ins[0];
    const int64_t n = x.n, B = fused::BLOCK;
    // Threads only from 128 blocks on: the input batch's cast (98 blocks) is often a plan's first
    // parallel instruction, where waking the pool cost more than its ~40 µs (counted fp8 step
    // +0.74 ms over uncounted with 16, +0.53–0.66 with 128; A/B in one process).
    ThreadPool::instance().parallel_for((n + B - 1) / B, 128, [&](int64_t b0, int64_t b1) {
      const DecodeTables& T = decode_tables();
      alignas(64) float lanes[fused::BLOCK];
      fused::LocalCounts c;
      for (int64_t b = b0; b < b1; b++) {
        const int L = static_cast<int>(std::min<int64_t>(B, n - b * B));
        if (f16_) {
          f16_->count(static_cast<const uint16_t*>(x.data) + b * B, L, classes_, c);
          continue;
        }
        fused::load_block(src_, x.data, b * B, L, lanes, T);
        fused::count_lanes(lanes, L, classes_, c);
      }
      if (c.saturated) ctx.stats->saturated[k] += c.saturated;
      if (c.flushed) ctx.stats->flushed_to_zero[k] += c.flushed;
      if (c.non_finite) ctx.stats->non_finite[k] += c.non_finite;
    });
  }

 private:
  DType src_, to_;
  fused::CastClasses classes_;
  std::optional<F16Classes> f16_;  // f16 operands only
};

}  // namespace

KernelPtr make_count_only(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  // The primitive's own kernel checks the params and operands and gives the output avals.
  KernelPtr k = make_kernel(prim, params, ins, outs);
  if (prim != "convert_element_type" || !is_float(ins[0].dtype) || !is_low_precision((*outs)[0].dtype)) return k;
  return std::make_unique<CastCountKernel>(ins[0].dtype, (*outs)[0].dtype, p_bool(params.at("saturate", prim), prim, "saturate"));
}

}  // namespace scalify
