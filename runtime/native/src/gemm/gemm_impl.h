// Internal interface of the fast matmul (GotoBLAS/BLIS-style): packing of A and B into
// contiguous micro-panels (decoding low-precision codes on the way), cache blocking, and
// register-tiled micro-kernels selected at run time (AVX-512 BF16 dot products, AVX-512 FMA,
// AVX2 FMA, portable C++).
//
// Semantics, for every batch b:   C[b][i][j] (+)= alpha * sum_p A[b][i][p] * B[b][p][j]
// accumulated in f32 (the bf16 dot-product path sums pairs of exact products; the result is
// within K·2^-24·Σ|a·b| of the exact sum, DESIGN.md "Dtypes and numerics"). C is f32; it is
// overwritten (c = alpha·acc) or, with accumulate, c = c + alpha·acc. The caller rounds to the
// output dtype. The summation order of an element does not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>

namespace scalify_gemm {

// Operand element types. Storage: f32 float; f16/bf16 uint16 bits; fp8 uint8 codes.
enum class ElemType : int { F32 = 0, F16 = 1, BF16 = 2, F8E4M3FN = 3, F8E5M2 = 4 };
constexpr int kNumElemTypes = 5;

// A strided view of a (batch of) matrix operand. Strides are in ELEMENTS and may be any
// value (negative, zero for broadcasting, transposed layouts): A element (i, p) of batch b is
// at data[b*stride_batch + i*stride_row + p*stride_col]; for B, (p, j) likewise.
// With `map`, every decoded element x enters the product as map(x) (applied in place to packed
// f32 panels; +0 must map to +0): the bf16 path is not taken for such an operand.
typedef void (*ElementMap)(float* x, int64_t n);
struct Operand {
  const void* data = nullptr;
  ElemType type = ElemType::F32;
  int64_t stride_row = 0;
  int64_t stride_col = 1;
  int64_t stride_batch = 0;
  ElementMap map = nullptr;
};

struct Problem {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  Operand a, b;
  float* c = nullptr;        // C element (i, j) of batch b at c[b*c_stride_batch + i*ldc + j]
  int64_t ldc = 0;
  int64_t c_stride_batch = 0;
  float alpha = 1.0f;        // folded in (one f32 multiply of the f32 sum) before the caller rounds
  bool accumulate = false;   // c = c + alpha·acc instead of c = alpha·acc
};

// Parallel-for abstraction (adapted to the addon's thread pool by the caller). run(n, fn, ctx)
// must call fn(ctx, t) exactly once for every t in [0, n), possibly concurrently, and return
// when all calls have returned. num_threads == 1 or run == nullptr means: run inline.
struct Executor {
  int num_threads = 1;
  void (*run)(void* self, int64_t n, void (*fn)(void* ctx, int64_t t), void* ctx) = nullptr;
  void* self = nullptr;
};

// Which micro-kernel family computes the product. Auto picks the fastest exact-enough one the
// CPU supports: BF16 dot products when both operands are bf16-exact (bf16, e4m3fn, e5m2) and the
// CPU has AVX512-BF16, else f32 FMA (AVX-512, AVX2, or portable C++).
enum class Path : int { Auto = 0, Generic = 1, Avx2F32 = 2, Avx512F32 = 3, Avx512Bf16 = 4 };

// Runs the product. Returns the path actually used (Auto resolved; the f32 path when the bf16
// path declined a batch). A forced path the CPU cannot run falls back to Auto's choice.
Path gemm(const Problem& p, const Executor& ex, Path force = Path::Auto);

// What the CPU supports (cached).
bool cpu_has_avx2_fma();
bool cpu_has_avx512f();
bool cpu_has_avx512bf16();
const char* path_name(Path p);

// Optional timing breakdown (packing vs micro-kernels), accumulated when enabled; used by the
// benchmark to report where time goes. Not thread-precise: sums over threads.
struct Stats {
  double pack_seconds = 0, kernel_seconds = 0;
};
void stats_enable(bool on);
Stats stats_take();

}  // namespace scalify_gemm
