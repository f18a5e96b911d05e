// The kernel of a count-only cast (runtime/native/graph.ts foldCasts): the dot_generals that read
// the cast round their operand themselves as they pack it, so this instruction only adds to the
// cast statistics. It reads the operand once and classifies each magnitude against the cast's
// thresholds (fused::cast_classes) without rounding or storing anything: a counted fp8 training
// step spent ~1.2 ms in full casts here, ~0.35 ms in these.
#include <algorithm>

#include "fused.h"
#include "thread_pool.h"

namespace scalify {

namespace {

class CastCountKernel : public Kernel {
 public:
  CastCountKernel(DType src, DType to, bool saturate) : src_(src), to_(to), classes_(fused::cast_classes(to, saturate)) {}

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
};

}  // namespace

KernelPtr make_count_only(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  // The primitive's own kernel checks the params and operands and gives the output avals.
  KernelPtr k = make_kernel(prim, params, ins, outs);
  if (prim != "convert_element_type" || !is_float(ins[0].dtype) || !is_low_precision((*outs)[0].dtype)) return k;
  return std::make_unique<CastCountKernel>(ins[0].dtype, (*outs)[0].dtype, p_bool(params.at("saturate", prim), prim, "saturate"));
}

}  // namespace scalify
