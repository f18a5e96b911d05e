// A float sum kept as partial sums: 32 by default, four AVX2 registers' worth, so consecutive adds
// do not wait on each other (one register's chain of dependent adds ran at a third of the adder's
// rate in reduce_sum's rows); short rows take 8, whose setup and final tree cost less, and so do
// the fused kernels' reductions (jit_args.h kSumLanes: their compiled form keeps each sum in one
// register among many other values). The order differs from the reference's left-to-right sum,
// within DESIGN.md's accumulation bound, and is fixed: it depends only on the lane count and the
// order the values arrive in.
#pragma once

#include <cstdint>

namespace scalify {

template <int kLanes = 32>
class PartialSums {
 public:
  /** Adds v[0..n): element j of the call goes to partial sum j mod kLanes. */
  void add(const float* v, int64_t n) {
    float p[kLanes];
    for (int q = 0; q < kLanes; q++) p[q] = part_[q];
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
      for (int q = 0; q < kLanes; q++) p[q] += v[j + q];
    for (; j < n; j++) p[j % kLanes] += v[j];
    for (int q = 0; q < kLanes; q++) part_[q] = p[q];
  }

  /** The partial sums added pairwise. */
  float total() const {
    float p[kLanes];
    for (int q = 0; q < kLanes; q++) p[q] = part_[q];
    return tree(p);
  }

  /** kLanes partial sums p added pairwise (p is overwritten): total()'s order, for other holders of them. */
  static float tree(float* p) {
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int q = 0; q < w; q++) p[q] = p[q] + p[q + w];
    return p[0];
  }

 private:
  float part_[kLanes] = {};
};

}  // namespace scalify
