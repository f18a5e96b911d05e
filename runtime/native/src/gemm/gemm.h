// The matmul contract between the native kernels (runtime/native/src/*.cpp) and the gemm
// implementation behind it (gemm/*.cpp). The dot_general kernel maps every float dot_general to
// one call: C[b][m][n] (+)= alpha · Σ_k A[b][m][k] · B[b][k][n].
//
// Numerics (DESIGN.md "Where the backends must agree": dot_general within K·2^-24·Σ|a·b| of the
// exact sum): low-precision elements are decoded exactly to f32 on the fly (never through a
// materialised f32 copy of a whole operand), products and sums are f32 (FMA allowed, any
// summation order), and alpha multiplies the finished f32 sum: c = alpha · acc, one f32 rounding
// (with accumulate: c = c + alpha · acc). With alpha = 1 the result is the f32 sum itself.
// Results must not depend on the thread count (a fixed summation order per element).
//
// Implementations must handle: any M, N, K ≥ 0 (K = 0 gives c = 0, or c unchanged with
// accumulate), batch ≥ 0, any (positive) strides incl. transposed layouts, A and B of different
// element types, and NaN/Inf inputs propagating as IEEE arithmetic does. They may use
// ThreadPool::instance() (thread_pool.h); they are never called from inside a pool job.
#pragma once

#include <cstdint>

namespace scalify {
namespace gemm {

/** Element types of A and B. The numbering is part of the contract. */
enum class ElemType : int32_t {
  F32 = 0,     // float
  F16 = 1,     // IEEE binary16 bits (uint16_t)
  BF16 = 2,    // bfloat16 bits (uint16_t)
  E4M3FN = 3,  // OCP fp8 E4M3 "fn" code (uint8_t): no Inf, NaN = S.1111.111
  E5M2 = 4,    // fp8 E5M2 code (uint8_t), IEEE-like with Inf
};

/** Bytes per element of `t`. */
inline int elem_size(ElemType t) {
  switch (t) {
    case ElemType::F32:
      return 4;
    case ElemType::F16:
    case ElemType::BF16:
      return 2;
    default:
      return 1;
  }
}

/**
 * A map applied in place to n decoded f32 elements of an operand before they enter the product
 * (the addon rounds them to an fp8 format: a cast folded into the matmul). It must be
 * elementwise and map +0 to +0 (padding goes through it too). Called from pool threads.
 */
typedef void (*ElementMap)(float* x, int64_t n);

/**
 * One operand: element (b, r, c) is at data + (b·batch_stride + r·row_stride + c·col_stride)
 * elements (not bytes). For A, rows are m and columns k; for B, rows are k and columns n.
 * Strides are ≥ 0 (a stride of 0 broadcasts); a transposed operand simply swaps the strides.
 * With `map`, the product uses map(decoded element) instead of the element (f32 kernels only).
 */
struct Operand {
  const void* data = nullptr;
  ElemType type = ElemType::F32;
  int64_t row_stride = 0;
  int64_t col_stride = 0;
  int64_t batch_stride = 0;
  ElementMap map = nullptr;
};

struct GemmArgs {
  int64_t batch = 1;
  int64_t M = 0, N = 0, K = 0;
  Operand a;  // [batch][M][K]
  Operand b;  // [batch][K][N]
  /** C[b][m][n] at c + b·c_batch_stride + m·ldc + n (f32; never aliases A or B). */
  float* c = nullptr;
  int64_t ldc = 0;
  int64_t c_batch_stride = 0;
  float alpha = 1.0f;
  /** false: C = alpha·A·B; true: C += alpha·A·B. */
  bool accumulate = false;
  /** false: run on the calling thread only. */
  bool use_threads = true;
};

/** C (+)= alpha · A · B, see GemmArgs. Arguments are validated by the caller; never throws. */
void gemm(const GemmArgs& args);

/** Name of the implementation behind gemm() (for benchmarks and diagnostics). */
const char* gemm_impl_name();

// ---- Extensions (gemm side; all optional for callers) ----------------------------------------

/**
 * The simple exact implementation (gemm_ref.cpp: k-order f32 sums without FMA, bit-identical to
 * the reference interpreter). Same contract as gemm(); kept as a test oracle and for benchmarks.
 */
void gemm_reference(const GemmArgs& args);

}  // namespace gemm
}  // namespace scalify

namespace Napi {
class Env;
class Object;
}  // namespace Napi

namespace scalify {
namespace gemm {

/**
 * HOOK FOR THE ADDON'S Init: call `scalify::gemm::register_exports(env, exports);` once from
 * the module's Init function (addon.cpp). It adds the gemm's own exports, currently
 * `gemmBench` (times the matmul directly on typed arrays, for bench/run.ts) and `gemmInfo`
 * (implementation and CPU path names). Defined in gemm_napi.cpp (include <napi.h> before
 * calling it).
 */
void register_exports(Napi::Env env, Napi::Object exports);

}  // namespace gemm
}  // namespace scalify
