// Internal plumbing shared by the gemm driver and the ISA-specific kernel files: the kernel
// descriptor, exact decode tables for the low-precision operand formats, and the packing
// templates. Everything here has internal linkage or is plain data, so that the ISA-specific
// translation units (compiled with `#pragma GCC target`) never emit an out-of-line copy of an
// inline function that another unit could pick up (that would run AVX-512 code on an AVX2 CPU).
#pragma once
#include <cstdint>

#include "gemm_impl.h"

namespace scalify_gemm {
namespace detail {

// Micro-kernel: acc[MR][NR] = sum over the packed k-steps of A-panel × B-panel (kcp k values,
// a multiple of the kernel's KP); then v = acc; with flags & kAccumulate v = C + v (partial sums
// of earlier k blocks); with flags & kScale v = v * alpha; with flags & kAddC v = C + v (the
// caller's accumulate, never together with kAccumulate); C = v. C is row-major with row stride
// ldc (full tile only).
enum : int { kAccumulate = 1, kScale = 2, kAddC = 4 };
typedef void (*KernelFn)(int64_t kcp, const void* a_panel, const void* b_panel, float* c, int64_t ldc,
                         int flags, float alpha);

// Packs one micro-panel: `rows` (≤ W) valid rows × kc valid k of a source whose element (r, k)
// is at src + r*sr + k*sk (elements of the function's source type) into W rows × kcp k-steps
// (kcp = kc rounded up to KP), layout dst[(k/KP)*(W*KP) + r*KP + k%KP], zero padded.
// Returns nonzero when the bf16 dot-product path cannot take the values exactly (a bf16
// operand of magnitude below 2^-56: its products could leave f32's normal range, where the
// instruction flushes to zero); the driver then redoes the product on the f32 path.
typedef int (*PackFn)(const void* src, int64_t sr, int64_t sk, int rows, int64_t kc, void* dst);

struct KernelSpec {
  Path path;
  int mr, nr, kp, bytes;  // register tile, k-grouping (1: f32, 2: bf16 pairs), packed element bytes
  int64_t mc;             // rows of C per task (multiple of mr)
  int64_t kc;             // k block (multiple of kp)
  int64_t nc;             // columns of B packed at once (multiple of nr)
  int64_t nw;             // columns of C per task (multiple of nr)
  bool a_resident;        // loop order in a task: true = A micro-panel stays in L1 (ir outer, jr
                          // inner: B block kc×nw from L2); false = B micro-panel stays (jr outer)
  KernelFn kernel;
  PackFn pack_a[kNumElemTypes];  // by source type; nullptr = this path cannot take that type
  PackFn pack_b[kNumElemTypes];
};

const KernelSpec* spec_generic_f32();
const KernelSpec* spec_avx2_f32();     // nullptr when not compiled in
const KernelSpec* spec_avx512_f32();   // nullptr when not compiled in
const KernelSpec* spec_avx512_bf16();  // nullptr when not compiled in

// Exact decode tables (filled once, at load time, by gemm_tables.cpp).
extern float g_e4m3_f32[256];
extern float g_e5m2_f32[256];
extern uint16_t g_e4m3_bf16[256];
extern uint16_t g_e5m2_bf16[256];

}  // namespace detail
}  // namespace scalify_gemm
