// The reference gemm (gemm.h gemm_reference): simple and exact. Per output element it sums
// fround(a·b) in k order starting from +0 without FMA (the pragma below turns contraction off
// in this file although the gemm library is built with -ffp-contract=fast), which is the
// reference interpreter's order (runtime/kernels/dot-general.ts), so its results agree with the
// interpreter bit for bit. Rows of C are spread over the pool. gemm() itself is the blocked
// implementation (gemm.cpp, gemm_driver.cpp); this one stays as a test oracle and baseline.
#pragma GCC optimize("fp-contract=off")
#include <algorithm>
#include <vector>

#include "../numerics.h"
#include "../thread_pool.h"
#include "gemm.h"

namespace scalify {
namespace gemm {

namespace {

inline float load(const void* base, ElemType t, int64_t off, const DecodeTables& T) {
  switch (t) {
    case ElemType::F32:
      return static_cast<const float*>(base)[off];
    case ElemType::F16:
      return T.f16[static_cast<const uint16_t*>(base)[off]];
    case ElemType::BF16:
      return decode_bf16(static_cast<const uint16_t*>(base)[off]);
    case ElemType::E4M3FN:
      return T.e4m3fn[static_cast<const uint8_t*>(base)[off]];
    case ElemType::E5M2:
      return T.e5m2[static_cast<const uint8_t*>(base)[off]];
  }
  return 0.0f;
}

/** dst[j] = B[b][k][n0 + j] for j < n, decoded. */
void decode_b_row(const Operand& o, int64_t b, int64_t k, int64_t n0, int64_t n, float* dst, const DecodeTables& T) {
  const int64_t base = b * o.batch_stride + k * o.row_stride + n0 * o.col_stride;
  for (int64_t j = 0; j < n; j++) dst[j] = load(o.data, o.type, base + j * o.col_stride, T);
  if (o.map) o.map(dst, n);
}

}  // namespace

void gemm_reference(const GemmArgs& g) {
  if (g.batch <= 0 || g.M <= 0 || g.N <= 0) return;
  const DecodeTables& T = decode_tables();
  // Columns are processed in blocks so the decoded B block stays in cache and memory stays bounded.
  const int64_t NB = std::min<int64_t>(g.N, 256);
  const int64_t n_blocks = (g.N + NB - 1) / NB;
  const int64_t tasks = g.batch * n_blocks;
  auto task = [&](int64_t t) {
    const int64_t b = t / n_blocks;
    const int64_t n0 = (t % n_blocks) * NB;
    const int64_t nb = std::min(NB, g.N - n0);
    std::vector<float> bpanel(static_cast<size_t>(std::max<int64_t>(g.K, 0) * nb));
    for (int64_t k = 0; k < g.K; k++) decode_b_row(g.b, b, k, n0, nb, bpanel.data() + k * nb, T);
    std::vector<float> acc(static_cast<size_t>(nb));
    for (int64_t m = 0; m < g.M; m++) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const int64_t abase = b * g.a.batch_stride + m * g.a.row_stride;
      for (int64_t k = 0; k < g.K; k++) {
        float a = load(g.a.data, g.a.type, abase + k * g.a.col_stride, T);
        if (g.a.map) g.a.map(&a, 1);
        const float* brow = bpanel.data() + k * nb;
        for (int64_t j = 0; j < nb; j++) {
          const float p = a * brow[j];
          acc[j] = acc[j] + p;
        }
      }
      float* c = g.c + b * g.c_batch_stride + m * g.ldc + n0;
      if (g.accumulate)
        for (int64_t j = 0; j < nb; j++) c[j] = c[j] + g.alpha * acc[j];
      else
        for (int64_t j = 0; j < nb; j++) c[j] = g.alpha * acc[j];
    }
  };
  if (g.use_threads)
    ThreadPool::instance().run_tasks(tasks, task);
  else
    for (int64_t t = 0; t < tasks; t++) task(t);
}

}  // namespace gemm
}  // namespace scalify
