// How casts to low-precision floats are counted (the cast statistics): the classes of a cast's
// operands by magnitude, and the counters of one thread. Shared by the register machine
// (fused_exec.cpp, cast_count.cpp) and the compiled fused kernels (jit_lanes.h).
#pragma once

#include <cstdint>

#include "numerics.h"

namespace scalify {
namespace fused {

/** Per-thread cast counters, per target dtype. */
struct LocalStats {
  int64_t saturated[kNumDTypes] = {}, flushed[kNumDTypes] = {}, non_finite[kNumDTypes] = {};
  /** Adds one cast's counts to target dtype d. */
  void add(DType d, const struct LocalCounts& c);
};

/**
 * How a cast to some dtype classifies its operands by magnitude bits a: 0 < a ≤ flush_max
 * rounds to zero, overflow ≤ a < Inf saturates (and gives a non-finite image if overflow_stays),
 * ±Inf and NaN give non-finite images if inf_stays / nan_stays (flags are 0 or 1).
 */
struct CastClasses {
  uint32_t flush_max = 0, overflow = 0;
  uint32_t overflow_stays = 0, inf_stays = 0, nan_stays = 0;
};

/** Counts of one cast over some lanes. */
struct LocalCounts {
  int64_t saturated = 0, flushed = 0, non_finite = 0;
};

/**
 * Five threshold counts of magnitudes (the bits without the sign, of f32 lanes or f16 codes):
 * zeros, ≤ flush_max, ≥ overflow, ≥ Inf, > Inf (NaN). Their differences are a cast's classes.
 */
struct ThresholdCounts {
  int64_t zero = 0, small = 0, over = 0, inf_or_nan = 0, nan = 0;
  template <class T>
  void add(T a, T flush_max, T overflow, T inf) {
    zero += a == 0;
    small += a <= flush_max;
    over += a >= overflow;
    inf_or_nan += a >= inf;
    nan += a > inf;
  }
  void add_to(const CastClasses& c, LocalCounts& out) const {
    out.saturated += over - inf_or_nan;
    out.flushed += small - zero;
    out.non_finite += c.overflow_stays * (over - inf_or_nan) + c.inf_stays * (inf_or_nan - nan) + c.nan_stays * nan;
  }
};

inline void LocalStats::add(DType d, const LocalCounts& c) {
  const int k = static_cast<int>(d);
  saturated[k] += c.saturated;
  flushed[k] += c.flushed;
  non_finite[k] += c.non_finite;
}

}  // namespace fused
}  // namespace scalify
