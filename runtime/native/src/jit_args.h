// What a fused kernel's compiled block function is given (fused_jit.cpp writes the functions,
// jit_lanes.h holds what they call, FusedKernel::run calls them).
#pragma once

#include <cstdint>

#include "cast_classes.h"
#include "numerics.h"

namespace scalify {
namespace jit {

/** Changes whenever Args or the emitted code's contract does: objects of another version are not loaded. */
constexpr int kAbi = 4;

/**
 * Partial sums of a fused kernel's sum reductions, per block: one AVX2 register's worth. The
 * compiled form keeps each in one register, which a kernel with several sums (the non-finite
 * checks) needs: at 32 partial sums (four registers each) the scaled Adam update's four sums
 * spilled, and the reductions took 37 % of its time.
 */
constexpr int kSumLanes = 8;

/** What a compiled block function is given (FusedKernel::run fills it per block). */
struct Args {
  const void* const* in;        // the kernel's input buffers
  void* const* out;             // its output buffers
  const uint32_t* sval;         // every rank-0 register's value in this run
  const char* one;              // per op: its rank-0 factor or divisor is exactly 1 (VOp::identity_when_one)
  const float* reciprocal;      // per op: the exact 1/s of a division by a power of two s, or 0
  const unsigned char* stream;  // per output: written around the cache
  const DecodeTables* T;
  float* partial;               // this block's part of each reduction
  fused::LocalStats* tally;     // this thread's cast statistics; null: casts are not counted in this run
  int64_t start;                // the block's first element
  int L;                        // its length
};
using BlockFn = void (*)(const Args&);

}  // namespace jit
}  // namespace scalify
