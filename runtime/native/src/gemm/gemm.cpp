// scalify::gemm::gemm (gemm.h) on the blocked implementation (gemm_impl.h): maps the contract's
// arguments and the addon's thread pool onto the driver.
#include "../thread_pool.h"
#include "gemm_bridge.h"

namespace scalify {
namespace gemm {

namespace {

static_assert(int(ElemType::F32) == int(scalify_gemm::ElemType::F32), "ElemType numbering");
static_assert(int(ElemType::F16) == int(scalify_gemm::ElemType::F16), "ElemType numbering");
static_assert(int(ElemType::BF16) == int(scalify_gemm::ElemType::BF16), "ElemType numbering");
static_assert(int(ElemType::E4M3FN) == int(scalify_gemm::ElemType::F8E4M3FN), "ElemType numbering");
static_assert(int(ElemType::E5M2) == int(scalify_gemm::ElemType::F8E5M2), "ElemType numbering");

void pool_run(void* self, int64_t n, void (*fn)(void*, int64_t), void* ctx) {
  static_cast<ThreadPool*>(self)->run_tasks(n, [fn, ctx](int64_t t) { fn(ctx, t); });
}

scalify_gemm::Operand operand(const Operand& o) {
  scalify_gemm::Operand r;
  r.data = o.data;
  r.type = scalify_gemm::ElemType(int(o.type));
  r.stride_row = o.row_stride;
  r.stride_col = o.col_stride;
  r.stride_batch = o.batch_stride;
  r.map = o.map;
  return r;
}

}  // namespace

scalify_gemm::Executor pool_executor(bool use_threads) {
  scalify_gemm::Executor ex;
  if (!use_threads) return ex;
  ThreadPool& pool = ThreadPool::instance();
  ex.num_threads = pool.num_threads();
  ex.run = ex.num_threads > 1 ? &pool_run : nullptr;
  ex.self = &pool;
  return ex;
}

scalify_gemm::Problem to_problem(const GemmArgs& g) {
  scalify_gemm::Problem p;
  p.batch = g.batch;
  p.m = g.M;
  p.n = g.N;
  p.k = g.K;
  p.a = operand(g.a);
  p.b = operand(g.b);
  p.c = g.c;
  p.ldc = g.ldc;
  p.c_stride_batch = g.c_batch_stride;
  p.alpha = g.alpha;
  p.accumulate = g.accumulate;
  return p;
}

const char* gemm_impl_name() {
  // The micro-kernel family an f32 product takes on this CPU (fp8/bf16 may take avx512-bf16).
  if (scalify_gemm::cpu_has_avx512bf16()) return "blocked (avx512-f32, avx512-bf16)";
  if (scalify_gemm::cpu_has_avx512f()) return "blocked (avx512-f32)";
  if (scalify_gemm::cpu_has_avx2_fma()) return "blocked (avx2-f32)";
  return "blocked (generic-f32)";
}

void gemm(const GemmArgs& g) {
  if (g.batch <= 0 || g.M <= 0 || g.N <= 0) return;
  scalify_gemm::gemm(to_problem(g), pool_executor(g.use_threads));
}

}  // namespace gemm
}  // namespace scalify
