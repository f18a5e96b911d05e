// Elementwise kernels: every elementwise, comparison, select and cast primitive runs as a fused
// program, alone or as a chain that the lowering (runtime/native/lower.ts) grouped. A program is
//
//   { ops: [{prim, params, args: [reg…]} | {prim: "literal", value, dtype} | {prim: "predicted", index, dtype}],
//     outputs: [reg…], reductions?: [{reg, op}], shape }
//
// Registers 0 … nIn−1 are the kernel's inputs, register nIn + j is op j's result. Every input and
// output has the group shape S or is rank 0 (broadcast). The program is evaluated per block of
// BLOCK elements in registers: low-precision inputs are decoded on the fly, each op runs over the
// block and its result is rounded to that op's dtype (DESIGN.md "Native code … a fused kernel
// rounds every equation's output to that equation's dtype"), outputs are encoded at the block's
// end. Ops whose operands are all rank 0 run once, before the blocks. A "predicted" op is a rank-0
// value the plan's speculation guards keep (runtime/native/speculate.ts).
//
// Semantics mirror runtime/kernels/{scalar-ops,elementwise,compare-select,cast}.ts: f32 + − × ÷
// sqrt are IEEE (this file is built with -ffp-contract=off), transcendentals are evaluated in
// double and rounded once to f32, integers wrap, x/0 = 0 and INT_MIN/−1 = INT_MIN. This file holds
// the kernel (register allocation, blocks, threads); fused_rules.cpp checks each op against the
// catalogue's rules, fused_exec.cpp holds the per-op loops.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "extreme.h"
#include "fused.h"
#include "jit_args.h"
#include "partial_sums.h"
#include "simd.h"
#include "thread_pool.h"

namespace scalify {

using namespace fused;

namespace {

/**
 * The reference's max over |v[0..L)|: magnitude bits order like the magnitudes, and a NaN's lie
 * above Inf's, in which case the first NaN of the block wins (its sign cleared, as abs does).
 */
float max_abs(const float* v, int L) {
  const uint32_t* u = reinterpret_cast<const uint32_t*>(v);
  uint32_t most = 0;
  for (int i = 0; i < L; i++) most = std::max(most, u[i] & 0x7fffffffu);
  if (most > 0x7f800000u)
    for (int i = 0; i < L; i++)
      if (v[i] != v[i]) return std::fabs(v[i]);
  return f32_from_bits(most);
}

/** One block's part of a reduction: a sum of partial sums (reassociated within DESIGN.md's
 * accumulation bound), or the reference's max/min fold (exact, first NaN kept). */
float reduce_block(RedOp op, const float* v, int L) {
  if (op == RedOp::MaxAbs) return max_abs(v, L);
  if (op != RedOp::Sum) return fold_extreme(op == RedOp::Max, op == RedOp::Max ? -INFINITY : INFINITY, v, L);
  PartialSums<jit::kSumLanes> s;
  s.add(v, L);
  return s.total();
}

float combine(RedOp op, float acc, float x) {
  switch (op) {
    case RedOp::Sum: return acc + x;
    case RedOp::Max:
    case RedOp::MaxAbs: return fmax_ref(acc, x);
    default: return fmin_ref(acc, x);
  }
}

/**
 * Brings the next block's operands towards L2 while this block's ops run, a slice of them before
 * each op: only a block's first and last ops touch memory, so the memory would otherwise idle
 * while the middle ones run. A C++ model of bench (d)'s relu(x·1.5 + 0.25) on one thread: 7.1–9.6
 * GB/s without, 9.8–12.0 with (a plain single-pass loop: 10.5–14.2); all of the prefetches at the
 * block's start gained nothing measurable.
 */
class NextBlockPrefetch {
 public:
  void clear() {
    spans_.clear();
    lines_ = issued_ = 0;
    span_ = 0;
    offset_ = 0;
  }
  void add(const char* p, int64_t bytes) {
    if (bytes <= 0) return;
    spans_.push_back({p, bytes});
    lines_ += (bytes + 63) / 64;
  }
  /** Issues the prefetches up to the fraction k / n of the next block's lines, in span order. */
  void until(int64_t k, int64_t n) {
    const int64_t goal = n > 0 ? lines_ * std::min(k, n) / n : lines_;
    for (; issued_ < goal; issued_++) {
      __builtin_prefetch(spans_[span_].p + offset_, 0, 2);
      if ((offset_ += 64) >= spans_[span_].bytes) span_++, offset_ = 0;
    }
  }

 private:
  struct Span {
    const char* p;
    int64_t bytes;
  };
  std::vector<Span> spans_;
  int64_t lines_ = 0, issued_ = 0;
  size_t span_ = 0;    // where the next prefetch goes: span and byte offset in it
  int64_t offset_ = 0;
};

class FusedKernel : public Kernel {
 public:
  FusedKernel(Builder&& b, int n_in, std::vector<int> outputs, Shape shape, std::vector<Reduction> reductions = {})
      : regs_(std::move(b.regs)),
        ops_(std::move(b.ops)),
        n_in_(n_in),
        outputs_(std::move(outputs)),
        reductions_(std::move(reductions)),
        shape_(std::move(shape)),
        n_(1) {
    // Until a guard stores one, a prediction is a value no scale takes (any value is correct).
    predicted_.dtypes = std::move(b.predicted);
    predicted_.lanes.assign(predicted_.dtypes.size(), 0x7fc0dead);
    for (int64_t d : shape_) n_ *= d;
    absorb_abs();
    plan_registers();
  }

  Predictions* predictions() override { return predicted_.dtypes.empty() ? nullptr : &predicted_; }

  std::string jit_source(const std::string& name, int64_t min_elements) const override {
    if (!any_vector_ || n_ < min_elements) return {};
    return jit_emit(name, JitProgram{regs_, ops_, n_in_, outputs_, reductions_, shape_});
  }
  void jit_bind(void* fn) override { jit_ = reinterpret_cast<jit::BlockFn>(fn); }

  bool may_alias(int out, int in) const override {
    // Each block reads all inputs before any output is stored, so an output may reuse a
    // full-size input's memory when the element sizes agree (reduction results are rank 0).
    if (out >= static_cast<int>(outputs_.size())) return false;
    return !regs_[static_cast<size_t>(in)].scalar && !regs_[static_cast<size_t>(in)].view && !regs_[static_cast<size_t>(outputs_[static_cast<size_t>(out)])].scalar &&
           item_size(regs_[static_cast<size_t>(in)].dtype) == item_size(regs_[static_cast<size_t>(outputs_[static_cast<size_t>(out)])].dtype);
  }

  void run(const Buf* ins, const Buf* outs, RunCtx& ctx) const override {
    const DecodeTables& T = decode_tables();
    if (ctx.stats)
      for (const VOp& op : ops_)
        if (op.count) ctx.stats->touched[static_cast<int>(op.dtype)] = true;
    // Scalar registers: inputs' element 0 and every all-scalar op, once per run.
    std::vector<uint32_t> sval(regs_.size(), 0);
    LocalStats scalar_stats;
    LocalStats* sst = ctx.stats ? &scalar_stats : nullptr;
    {
      std::vector<void*> R(regs_.size(), nullptr);
      for (int i = 0; i < n_in_; i++) {
        if (!regs_[static_cast<size_t>(i)].scalar) continue;
        load_block(ins[i].aval->dtype, ins[i].data, 0, 1, &sval[static_cast<size_t>(i)], T);
        R[static_cast<size_t>(i)] = &sval[static_cast<size_t>(i)];
      }
      for (size_t j = 0; j < ops_.size(); j++) {
        const size_t r = static_cast<size_t>(n_in_) + j;
        if (!regs_[r].scalar) continue;
        R[r] = &sval[r];
        if (ops_[j].code == PREDICTED) sval[r] = predicted_.lanes[static_cast<size_t>(ops_[j].pred)];
        else exec_op(ops_[j], R.data(), &sval[r], 1, sst, T);
      }
    }
    if (ctx.stats) add_stats(ctx.stats, scalar_stats);
    // Ops that are the identity in this run (a rank-0 factor or divisor that is exactly 1).
    std::vector<char> one(ops_.size(), 0);
    for (size_t j = 0; j < ops_.size(); j++) {
      const int k = ops_[j].identity_when_one;
      if (k < 0) continue;
      float v;
      std::memcpy(&v, &sval[static_cast<size_t>(ops_[j].args[static_cast<size_t>(k)])], 4);
      one[j] = v == 1.0f;
    }
    // Vector x/s whose rank-0 divisor s is a normal power of two in this run (scaled programs
    // divide by scales): x·(1/s) instead, bit for bit the same (1/s is exact, so the quotient and
    // the product are one real number, rounded once either way) for a fraction of a division's
    // cost. 0: divide.
    std::vector<float> reciprocal(ops_.size(), 0.0f);
    for (size_t j = 0; j < ops_.size(); j++) {
      const VOp& op = ops_[j];
      if (op.code != F_DIV || !(op.scalar_args & 2u) || regs_[static_cast<size_t>(n_in_) + j].scalar) continue;
      const uint32_t u = sval[static_cast<size_t>(op.args[1])];
      const uint32_t e = (u >> 23) & 0xffu;
      if ((u & 0x7fffffu) == 0 && e >= 1 && e <= 254) reciprocal[j] = 1.0f / f32_from_bits(u);
    }
    // Outputs that are scalar registers (only when the whole group is rank 0).
    for (size_t k = 0; k < outputs_.size(); k++) {
      const size_t r = static_cast<size_t>(outputs_[k]);
      if (regs_[r].scalar) {
        for (int64_t i = 0; i < outs[k].n; i++) store_block(outs[k].aval->dtype, &sval[r], 1, outs[k].data, i);
      }
    }
    if (!any_vector_) return;
    const int64_t n_blocks = (n_ + BLOCK - 1) / BLOCK;
    const size_t n_red = reductions_.size();
    // One partial result per block and reduction, combined in block order below, so the result
    // does not depend on the thread count.
    std::vector<float> partial(n_red * static_cast<size_t>(n_blocks));
    const int64_t grain = std::max<int64_t>(1, 65536 / (BLOCK * cost_));
    // Outputs far larger than the last-level cache bypass it: writing them through the cache
    // first reads every line in (a third more memory traffic), and nothing would find them there.
    std::vector<bool> stream(outputs_.size(), false);
    for (size_t k = 0; k < outputs_.size(); k++)
      stream[k] = !regs_[static_cast<size_t>(outputs_[k])].scalar && item_size(outs[k].aval->dtype) == 4 && outs[k].n * 4 >= kStreamBytes;
    // The ops that run per block, over which the next block's prefetches are spread.
    int64_t block_ops = 0;
    for (size_t j = 0; j < ops_.size(); j++) {
      const size_t r = static_cast<size_t>(n_in_) + j;
      block_ops += !regs_[r].scalar && slot_[r] != kUnused && slot_[r] != kAlias;
    }
    const bool compiled = jit_ != nullptr;
    if (compiled) run_compiled(ins, outs, sval, one, reciprocal, stream, partial, n_blocks, grain, ctx.stats);
    if (!compiled) ThreadPool::instance().parallel_for(n_blocks, grain, [&](int64_t b0, int64_t b1) {
      NextBlockPrefetch prefetch;
      std::vector<float> temps(static_cast<size_t>(n_slots_) * kSlotStride + 16);
      float* base = align64(temps.data());
      std::vector<void*> R(regs_.size(), nullptr);
      // Scalars are broadcast into their pinned slots once per task; those that every reader
      // takes as one value (scalar_args) are read from sval itself.
      for (size_t r = 0; r < regs_.size(); r++) {
        if (!regs_[r].scalar) continue;
        if (slot_[r] < 0) {
          R[r] = &sval[r];
          continue;
        }
        uint32_t* p = reinterpret_cast<uint32_t*>(base + static_cast<size_t>(slot_[r]) * kSlotStride);
        std::fill(p, p + BLOCK, sval[r]);
        R[r] = p;
      }
      LocalStats st;
      LocalStats* stp = ctx.stats ? &st : nullptr;
      for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t start = blk * BLOCK;
        const int L = static_cast<int>(std::min<int64_t>(BLOCK, n_ - start));
        prefetch.clear();
        for (int i = 0; i < n_in_ && blk + 1 < b1; i++) {
          const size_t r = static_cast<size_t>(i);
          if (regs_[r].scalar || regs_[r].view || slot_[r] == kUnused) continue;
          const int64_t size = item_size(ins[i].aval->dtype);
          prefetch.add(static_cast<const char*>(ins[i].data) + (start + BLOCK) * size, std::min<int64_t>(BLOCK, n_ - start - BLOCK) * size);
        }
        int64_t op_index = 0;
        for (int i = 0; i < n_in_; i++) {
          const size_t r = static_cast<size_t>(i);
          if (regs_[r].scalar || slot_[r] == kUnused) continue;
          const DType d = ins[i].aval->dtype;
          if (slot_[r] == kDirect) {
            R[r] = static_cast<uint32_t*>(ins[i].data) + start;  // f32 / i32: read in place
          } else {
            R[r] = base + static_cast<size_t>(slot_[r]) * kSlotStride;
            load_block(d, ins[i].data, start, L, R[r], T);
          }
        }
        for (size_t j = 0; j < ops_.size(); j++) {
          const size_t r = static_cast<size_t>(n_in_) + j;
          if (regs_[r].scalar || slot_[r] == kUnused) continue;
          if (slot_[r] == kAlias) {
            R[r] = R[static_cast<size_t>(ops_[j].args[0])];
            continue;
          }
          R[r] = base + static_cast<size_t>(slot_[r]) * kSlotStride;
          prefetch.until(++op_index, block_ops);
          if (ops_[j].identity_when_one >= 0 && one[j]) continue;
          if (ops_[j].code == BCAST_VIEW) gather_view(ops_[j], ins[ops_[j].view_input], start, L, static_cast<uint32_t*>(R[r]), T);
          else exec_op(ops_[j], R.data(), R[r], L, stp, T, reciprocal[j]);
        }
        prefetch.until(1, 1);  // what no op took (a group of copies has none)
        for (size_t k = 0; k < outputs_.size(); k++) {
          const size_t r = static_cast<size_t>(outputs_[k]);
          if (regs_[r].scalar) continue;
          const VOp* cast = r >= static_cast<size_t>(n_in_) ? &ops_[r - static_cast<size_t>(n_in_)] : nullptr;
          if (stream[k])
            simd::stream_lanes(static_cast<const uint32_t*>(R[r]), static_cast<uint32_t*>(outs[k].data) + start, L);
          else if (cast != nullptr && cast->encode_at_store && stp == nullptr)
            simd::encode_fp8(static_cast<const uint32_t*>(R[r]), static_cast<uint8_t*>(outs[k].data) + start, L, cast->dtype == DType::E4M3FN, cast->saturate);
          else
            store_block(outs[k].aval->dtype, R[r], L, outs[k].data, start);
        }
        for (size_t q = 0; q < n_red; q++)
          partial[static_cast<size_t>(blk) * n_red + q] = reduce_block(reductions_[q].op, static_cast<const float*>(R[static_cast<size_t>(reductions_[q].reg)]), L);
      }
      simd::sfence();  // streamed stores are visible before the pool reports the task done
      if (ctx.stats) add_stats(ctx.stats, st);
    });
    for (size_t q = 0; q < n_red; q++) {
      const Reduction& red = reductions_[q];
      float acc = red.op == RedOp::Sum ? 0.0f : red.op == RedOp::Min ? INFINITY : -INFINITY;
      for (int64_t b = 0; b < n_blocks; b++) acc = combine(red.op, acc, partial[static_cast<size_t>(b) * n_red + q]);
      const DType d = regs_[static_cast<size_t>(red.reg)].dtype;
      float lane = red.op == RedOp::Sum ? round_to(d, acc, false, T) : acc;  // max/min pick a lane: exact
      store_block(d, &lane, 1, outs[outputs_.size() + q].data, 0);
    }
  }

  /** The blocks through the compiled form (jit_lanes.h Args), one call per block. */
  void run_compiled(const Buf* ins, const Buf* outs, const std::vector<uint32_t>& sval, const std::vector<char>& one, const std::vector<float>& reciprocal,
                    const std::vector<bool>& stream, std::vector<float>& partial, int64_t n_blocks, int64_t grain, CastCounts* stats) const {
    std::vector<const void*> in_ptrs(static_cast<size_t>(n_in_));
    std::vector<void*> out_ptrs(outputs_.size());
    std::vector<unsigned char> streamed(outputs_.size());
    for (int i = 0; i < n_in_; i++) in_ptrs[static_cast<size_t>(i)] = ins[i].data;
    for (size_t k = 0; k < outputs_.size(); k++) out_ptrs[k] = outs[k].data, streamed[k] = stream[k];
    const size_t n_red = reductions_.size();
    ThreadPool::instance().parallel_for(n_blocks, grain, [&](int64_t b0, int64_t b1) {
      LocalStats st;
      for (int64_t blk = b0; blk < b1; blk++) {
        const int64_t start = blk * BLOCK;
        const jit::Args a{in_ptrs.data(), out_ptrs.data(), sval.data(), one.data(), reciprocal.data(), streamed.data(), &decode_tables(),
                          partial.data() + static_cast<size_t>(blk) * n_red, stats ? &st : nullptr, start, static_cast<int>(std::min<int64_t>(BLOCK, n_ - start))};
        jit_(a);
      }
      simd::sfence();  // streamed stores are visible before the pool reports the task done
      if (stats) add_stats(stats, st);
    });
  }

 private:
  // Slots are a block plus one cache line apart: at exactly BLOCK floats (1 KiB), every fourth
  // slot would sit a multiple of 4 KiB away, and a load from one slot right after a store to
  // another stalls on the false store-forwarding match (4K aliasing).
  static constexpr size_t kSlotStride = BLOCK + 16;
  static constexpr int64_t kStreamBytes = int64_t{48} << 20;  // above this machine's 32 MiB L3
  static float* align64(float* p) { return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t{63}); }
  static constexpr int kUnused = -1;
  static constexpr int kDirect = -2;
  static constexpr int kAlias = -3;

  /**
   * The lanes of a broadcast view for group elements [start, start + L): operand element
   * Σ idx_d · view_strides_d for the multi-index idx of each element, decoded. Runs along the
   * last dim are contiguous (stride 1), constant (stride 0) or strided.
   */
  void gather_view(const VOp& op, const Buf& x, int64_t start, int L, uint32_t* dst, const DecodeTables& T) const {
    const size_t rank = shape_.size();
    const Shape& vs = op.view_strides;
    int64_t idx[64];
    int64_t off = 0;
    int64_t rest = start;
    for (size_t d = rank; d-- > 0;) {
      idx[d] = rest % shape_[d];
      rest /= shape_[d];
      off += idx[d] * vs[d];
    }
    const DType dt = x.aval->dtype;
    const size_t last = rank - 1;
    const int64_t n_last = shape_[last], s = vs[last];
    int pos = 0;
    while (pos < L) {
      const int run = static_cast<int>(std::min<int64_t>(L - pos, n_last - idx[last]));
      if (s == 1) {
        load_block(dt, x.data, off, run, dst + pos, T);
      } else if (s == 0) {
        uint32_t v;
        load_block(dt, x.data, off, 1, &v, T);
        std::fill(dst + pos, dst + pos + run, v);
      } else {
        for (int j = 0; j < run; j++) load_block(dt, x.data, off + j * s, 1, dst + pos + j, T);
      }
      pos += run;
      idx[last] += run;
      off += run * s;
      if (idx[last] == n_last) {
        off -= n_last * s;
        idx[last] = 0;
        for (size_t d = last; d-- > 0;) {
          off += vs[d];
          if (++idx[d] < shape_[d]) break;
          off -= shape_[d] * vs[d];
          idx[d] = 0;
        }
      }
    }
  }

  static void add_stats(CastCounts* c, const LocalStats& s) {
    for (int d = 0; d < kNumDTypes; d++) {
      if (s.saturated[d]) c->saturated[d] += s.saturated[d];
      if (s.flushed[d]) c->flushed_to_zero[d] += s.flushed[d];
      if (s.non_finite[d]) c->non_finite[d] += s.non_finite[d];
    }
  }

  /**
   * A max reduction of y = |x| that nothing else reads takes x's magnitudes instead (RedOp::MaxAbs),
   * and the abs op does not run: the max-norms of the scaled optimizer's rescales were each an abs
   * pass that stored |x| and a max pass over it.
   */
  void absorb_abs() {
    for (Reduction& red : reductions_) {
      const size_t y = static_cast<size_t>(red.reg);
      if (red.op != RedOp::Max || y < static_cast<size_t>(n_in_) || regs_[y].scalar) continue;
      VOp& op = ops_[y - static_cast<size_t>(n_in_)];
      if (op.code != F_ABS || regs_[static_cast<size_t>(op.args[0])].scalar || regs_[static_cast<size_t>(op.args[0])].view) continue;
      int readers = 0;
      for (const VOp& o : ops_)
        for (int a : o.args) readers += a == red.reg;
      for (int o : outputs_) readers += o == red.reg;
      for (const Reduction& other : reductions_) readers += other.reg == red.reg;
      if (readers != 1) continue;
      red.op = RedOp::MaxAbs;
      red.reg = op.args[0];
      op.unused = true;
    }
  }

  /** Assigns block-sized temp slots to registers, reusing a slot after its register's last use. */
  void plan_registers() {
    const size_t nr = regs_.size();
    std::vector<int64_t> last(nr, -1);
    // Every op runs (but an |x| that absorb_abs folded into its max), even one whose result nobody
    // reads: the reference interpreter evaluates dead equations too, and a dead cast still counts
    // in the cast statistics.
    // A scalar needs broadcast lanes only if some vector op or reduction reads it lane by lane.
    std::vector<bool> lanes(nr, false);
    for (const Reduction& red : reductions_) lanes[static_cast<size_t>(red.reg)] = true;
    for (size_t j = 0; j < ops_.size(); j++) {
      VOp& op = ops_[j];
      if (regs_[static_cast<size_t>(n_in_) + j].scalar) continue;
      for (size_t k = 0; k < op.args.size(); k++) {
        const size_t a = static_cast<size_t>(op.args[k]);
        if (!regs_[a].scalar) continue;
        if (reads_scalar_args(op.code) && k < 2) op.scalar_args |= 1u << k;
        else lanes[a] = true;
      }
    }
    // Casts to fp8 that only feed one stored output encode at the store (VOp::encode_at_store).
    std::vector<int> readers(nr, 0);
    for (const VOp& op : ops_)
      for (int a : op.args) readers[static_cast<size_t>(a)]++;
    for (const Reduction& red : reductions_) readers[static_cast<size_t>(red.reg)]++;
    for (int o : outputs_) readers[static_cast<size_t>(o)]++;
    for (int o : outputs_) {
      const size_t r = static_cast<size_t>(o);
      if (r < static_cast<size_t>(n_in_) || regs_[r].scalar || readers[r] != 1) continue;
      VOp& op = ops_[r - static_cast<size_t>(n_in_)];
      if (op.code == CVT_F_F && (op.dtype == DType::E4M3FN || op.dtype == DType::E5M2)) op.encode_at_store = true;
    }
    const int64_t end = static_cast<int64_t>(ops_.size());
    for (int o : outputs_) last[static_cast<size_t>(o)] = end;
    for (const Reduction& red : reductions_) last[static_cast<size_t>(red.reg)] = end;
    for (size_t j = 0; j < ops_.size(); j++)
      for (int a : ops_[j].args) last[static_cast<size_t>(a)] = std::max<int64_t>(last[static_cast<size_t>(a)], static_cast<int64_t>(j));
    // Widening casts to f32 of lanes held in a slot alias them (VOp::alias); the operand's slot
    // then lives as long as the cast's result (latest first, so chains of aliases extend too).
    // Lanes read in place from an f32 input are not aliased: an in-place output may overwrite
    // that memory before a later output is stored from it.
    for (size_t j = ops_.size(); j-- > 0;) {
      VOp& op = ops_[j];
      const size_t r = static_cast<size_t>(n_in_) + j;
      if (op.code != CVT_F_F || op.dtype != DType::F32 || regs_[r].scalar) continue;
      const size_t a = static_cast<size_t>(op.args[0]);
      const bool direct = a < static_cast<size_t>(n_in_) && (regs_[a].dtype == DType::F32 || regs_[a].dtype == DType::I32);
      if (regs_[a].scalar || regs_[a].view || direct) continue;
      op.alias = true;
      last[a] = std::max(last[a], last[r]);
    }
    slot_.assign(nr, kUnused);
    cost_ = 1;
    any_vector_ = false;
    for (int o : outputs_) any_vector_ = any_vector_ || !regs_[static_cast<size_t>(o)].scalar;
    any_vector_ = any_vector_ || !reductions_.empty();
    int next = 0;
    std::vector<int> free_slots;
    // Scalars read lane by lane: pinned slots.
    for (size_t r = 0; r < nr; r++)
      if (regs_[r].scalar && lanes[r]) slot_[r] = next++;
    std::vector<std::pair<int64_t, int>> live;  // (last use, slot)
    auto take = [&]() {
      if (!free_slots.empty()) {
        int s = free_slots.back();
        free_slots.pop_back();
        return s;
      }
      return next++;
    };
    auto release_until = [&](int64_t j) {
      for (size_t i = 0; i < live.size();) {
        if (live[i].first <= j) {
          free_slots.push_back(live[i].second);
          live[i] = live.back();
          live.pop_back();
        } else {
          i++;
        }
      }
    };
    for (int i = 0; i < n_in_; i++) {
      const size_t r = static_cast<size_t>(i);
      if (regs_[r].scalar || regs_[r].view || last[r] < 0) continue;
      if (regs_[r].dtype == DType::F32 || regs_[r].dtype == DType::I32) {
        slot_[r] = kDirect;
      } else {
        slot_[r] = take();
        live.emplace_back(last[r], slot_[r]);
      }
    }
    for (size_t j = 0; j < ops_.size(); j++) {
      const size_t r = static_cast<size_t>(n_in_) + j;
      if (regs_[r].scalar || ops_[j].unused) continue;
      if (ops_[j].alias) {
        slot_[r] = kAlias;
        continue;
      }
      cost_ += op_cost(ops_[j].code);
      release_until(static_cast<int64_t>(j));  // operands last read by this op may be overwritten by it
      // x·s, s·x or x/s with s read as one value (k: its argument) and x a block dying here.
      VOp& op = ops_[j];
      const int k = (op.code == F_MUL && (op.scalar_args & 1u)) ? 0 : (op.code == F_MUL || op.code == F_DIV) && (op.scalar_args & 2u) ? 1 : -1;
      const size_t x = k < 0 ? 0 : static_cast<size_t>(op.args[static_cast<size_t>(1 - k)]);
      const auto freed = k < 0 ? free_slots.end() : std::find(free_slots.begin(), free_slots.end(), slot_[x]);
      const bool x_dies_here = k >= 0 && (op.scalar_args & (1u << (1 - k))) == 0 && !regs_[x].scalar && slot_[x] >= 0 &&
                               last[x] == static_cast<int64_t>(j) && freed != free_slots.end();
      if (x_dies_here && regs_[x].dtype == op.dtype) {
        // The result takes x's slot, so that skipping the op leaves it in place (VOp::identity_when_one).
        slot_[r] = slot_[x];
        free_slots.erase(freed);
        op.identity_when_one = k;
      } else {
        slot_[r] = take();
      }
      live.emplace_back(last[r], slot_[r]);
    }
    n_slots_ = next;
  }

  std::vector<Reg> regs_;
  std::vector<VOp> ops_;
  int n_in_;
  std::vector<int> outputs_;
  std::vector<Reduction> reductions_;
  Shape shape_;
  int64_t n_;
  std::vector<int> slot_;
  int n_slots_ = 0;
  int cost_ = 1;
  Predictions predicted_;
  bool any_vector_ = false;
  jit::BlockFn jit_ = nullptr;
};

/** Checks inputs and outputs against one group shape S (every non-scalar value has shape S). */
Shape group_shape(const std::vector<Aval>& ins, const std::vector<Aval>& outs, const std::string& ctx) {
  const Shape* s = nullptr;
  auto visit = [&](const Aval& a) {
    if (a.rank() == 0) return;
    if (s == nullptr) s = &a.shape;
    else if (*s != a.shape) fail(ctx + ": operand shapes differ: " + shape_str(*s) + " vs " + shape_str(a.shape));
  };
  for (const auto& a : ins) visit(a);
  for (const auto& a : outs) visit(a);
  return s ? *s : Shape{};
}


}  // namespace

bool is_elementwise_prim(const std::string& prim) { return is_fusable_prim(prim); }

KernelPtr make_elementwise(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string ctx = prim;
  // Shapes: equal, except that rank-0 operands broadcast (select_n: cases equal, predicate scalar or equal).
  Shape shape = group_shape(ins, {}, ctx);
  if (prim == "select_n" && ins.size() >= 2) {
    for (size_t i = 2; i < ins.size(); i++)
      if (ins[i].shape != ins[1].shape) fail(ctx + ": cases must have one type, got " + aval_str(ins[1]) + " and " + aval_str(ins[i]));
    shape = ins[1].shape;
  }
  Builder B;
  std::vector<int> args;
  for (size_t i = 0; i < ins.size(); i++) {
    B.regs.push_back(Reg{ins[i].dtype, ins[i].rank() == 0, false, {}});
    args.push_back(static_cast<int>(i));
  }
  const int r = add_op(B, prim, params, args, ctx);
  const Reg out = B.regs[static_cast<size_t>(r)];
  outs->clear();
  outs->push_back(Aval{out.dtype, out.scalar ? Shape{} : shape});
  return KernelPtr(new FusedKernel(std::move(B), static_cast<int>(ins.size()), {r}, out.scalar ? Shape{} : shape));
}

KernelPtr make_fused(const PVal& program, const std::vector<Aval>& ins, const std::vector<Aval>& outs) {
  const std::string ctx = "fused";
  // The group shape: declared by the program (inputs of other shapes are broadcast views), else
  // the one shape of every non-rank-0 operand and result.
  Shape shape;
  const PVal* declared = program.find("shape");
  if (declared) {
    shape = p_ints(*declared, ctx, "shape", 0, kMaxElements);
    checked_size(shape, ctx.c_str());
    if (shape.size() > 32) fail(ctx + ": rank too large");
    for (const auto& a : outs)
      if (a.rank() > 0 && a.shape != shape) fail(ctx + ": result " + aval_str(a) + " does not have the group shape " + shape_str(shape));
  } else {
    shape = group_shape(ins, outs, ctx);
  }
  Builder B;
  B.shape = shape;
  for (const auto& a : ins) {
    Reg r{a.dtype, a.rank() == 0, false, {}};
    if (a.rank() > 0 && a.shape != shape) {
      r.view = true;  // read only through broadcast_in_dim (fused_rules.cpp checks)
      r.shape = a.shape;
    }
    B.regs.push_back(r);
  }
  const auto& ops = p_arr(program.at("ops", ctx), ctx, "ops");
  if (ops.size() > 100000) fail(ctx + ": too many ops");
  static const PVal empty = [] {
    PVal p;
    p.kind = PVal::Obj;
    return p;
  }();
  for (size_t j = 0; j < ops.size(); j++) {
    const std::string octx = ctx + " op " + std::to_string(j);
    const PVal& o = ops[j];
    const std::string prim = p_str(o.at("prim", octx), octx, "prim");
    std::vector<int> args;
    if (const PVal* a = o.find("args")) {
      for (int64_t r : p_ints(*a, octx, "args", 0, static_cast<int64_t>(B.regs.size()) - 1)) args.push_back(static_cast<int>(r));
    }
    const PVal* params = o.find("params");
    add_op(B, prim, prim == "literal" || prim == "predicted" ? o : params ? *params : empty, args, octx + " (" + prim + ")");
  }
  const auto out_regs = p_ints(program.at("outputs", ctx), ctx, "outputs", 0, static_cast<int64_t>(B.regs.size()) - 1);
  std::vector<Reduction> reductions;
  if (const PVal* rs = program.find("reductions")) {
    for (const PVal& r : p_arr(*rs, ctx, "reductions")) {
      const std::string rctx = ctx + " reduction " + std::to_string(reductions.size());
      const int reg = static_cast<int>(p_int(r.at("reg", rctx), rctx, "reg", 0, static_cast<int64_t>(B.regs.size()) - 1));
      const std::string op = p_str(r.at("op", rctx), rctx, "op");
      const Reg& src = B.regs[static_cast<size_t>(reg)];
      // A rank-0 register (a broadcast scalar) has a pinned block of copies: it reduces as n copies.
      if (src.view || !is_float(src.dtype)) fail(rctx + ": reduces a register that is not a float value of the group shape");
      if (op != "sum" && op != "max" && op != "min") fail(rctx + ": unknown op " + op);
      reductions.push_back(Reduction{reg, op == "sum" ? RedOp::Sum : op == "max" ? RedOp::Max : RedOp::Min});
    }
  }
  if (out_regs.size() + reductions.size() != outs.size())
    fail(ctx + ": program has " + std::to_string(out_regs.size() + reductions.size()) + " outputs, the instruction " + std::to_string(outs.size()));
  for (size_t q = 0; q < reductions.size(); q++) {
    const Aval want{B.regs[static_cast<size_t>(reductions[q].reg)].dtype, Shape{}};
    const Aval& got = outs[out_regs.size() + q];
    if (want != got) fail(ctx + ": reduction " + std::to_string(q) + " is declared " + aval_str(got) + ", the program gives " + aval_str(want));
  }
  std::vector<int> outputs;
  for (size_t k = 0; k < out_regs.size(); k++) {
    const Reg& r = B.regs[static_cast<size_t>(out_regs[k])];
    if (r.view) fail(ctx + ": output " + std::to_string(k) + " is an operand of another shape");
    const Aval want{r.dtype, r.scalar ? Shape{} : shape};
    if (want != outs[k]) fail(ctx + ": output " + std::to_string(k) + " is declared " + aval_str(outs[k]) + ", the program gives " + aval_str(want));
    outputs.push_back(static_cast<int>(out_regs[k]));
  }
  if (!reductions.empty() && checked_size(shape, ctx.c_str()) == 0) fail(ctx + ": reductions need a non-empty group");
  return KernelPtr(new FusedKernel(std::move(B), static_cast<int>(ins.size()), std::move(outputs), shape, std::move(reductions)));
}

}  // namespace scalify
