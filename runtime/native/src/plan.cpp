// Plan validation and execution (see plan.h), and the primitive dispatch.
#include "plan.h"

#include "fused.h"
#include "thread_pool.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace scalify {

KernelPtr make_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  if (is_elementwise_prim(prim)) return make_elementwise(prim, params, ins, outs);
  if (prim == "reshape" || prim == "transpose" || prim == "broadcast_in_dim" || prim == "squeeze" || prim == "expand_dims" || prim == "rev" ||
      prim == "slice" || prim == "pad" || prim == "concatenate" || prim == "stop_gradient" || prim == "set_scaling" || prim == "rebalance" ||
      prim == "dynamic_rescale" || prim == "lazy_rescale" || prim == "get_data_scale")
    return make_shape_kernel(prim, params, ins, outs);
  if (prim == "dynamic_slice" || prim == "dynamic_update_slice" || prim == "gather" || prim == "scatter_add")
    return make_indexing_kernel(prim, params, ins, outs);
  if (prim == "reduce_sum" || prim == "reduce_max" || prim == "reduce_min" || prim == "reduce_prod" || prim == "argmax" || prim == "argmin" ||
      prim == "cumsum")
    return make_reduce_kernel(prim, params, ins, outs);
  if (prim == "dot_general") return make_dot_general(params, ins, outs);
  if (prim == "random_bits" || prim == "iota") return make_random_kernel(prim, params, ins, outs);
  if (prim == "custom_vjp") fail("custom_vjp: the lowering inlines its body; there is no kernel for it");
  fail("unknown primitive " + prim);
}

namespace {

std::string at(size_t i) { return "instruction " + std::to_string(i); }

/**
 * A speculation guard (runtime/native/speculate.ts): compares the scalars its inputs hold with the
 * predictions a fused kernel read; on a difference it stores them and asks the plan to run again
 * from that kernel.
 */
class GuardKernel : public Kernel {
 public:
  GuardKernel(Predictions* p, std::vector<int64_t> index, int64_t target) : p_(p), index_(std::move(index)), target_(target) {}
  void run(const Buf* ins, const Buf* /*outs*/, RunCtx& ctx) const override {
    const DecodeTables& T = decode_tables();
    bool miss = false;
    for (size_t k = 0; k < index_.size(); k++) {
      uint32_t lane;
      fused::load_block(ins[k].aval->dtype, ins[k].data, 0, 1, &lane, T);
      uint32_t& want = p_->lanes[static_cast<size_t>(index_[k])];
      if (lane != want) {
        want = lane;
        miss = true;
      }
    }
    if (miss) ctx.rerun_from = target_;
  }

 private:
  Predictions* p_;
  std::vector<int64_t> index_;
  int64_t target_;
};

void* aligned_bytes(int64_t n) {
  const size_t size = (static_cast<size_t>(n) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, size == 0 ? 64 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

Plan::Plan(PlanDesc d)
    : values_(std::move(d.values)), value_slot_(std::move(d.value_slot)), slots_(std::move(d.slots)), inputs_(std::move(d.inputs)), outputs_(std::move(d.outputs)) {
  const int64_t nv = static_cast<int64_t>(values_.size());
  const int64_t ns = static_cast<int64_t>(slots_.size());
  if (static_cast<int64_t>(value_slot_.size()) != nv) fail("plan: one slot per value is needed");
  for (int64_t v = 0; v < nv; v++) {
    checked_size(values_[static_cast<size_t>(v)].shape, ("plan: value " + std::to_string(v)).c_str());
    const int64_t s = value_slot_[static_cast<size_t>(v)];
    if (s < 0 || s >= ns) fail("plan: value " + std::to_string(v) + " has no slot " + std::to_string(s));
  }
  auto value_ok = [&](int64_t v, const std::string& what) {
    if (v < 0 || v >= nv) fail("plan: " + what + " names no value (" + std::to_string(v) + ")");
  };
  // Slot capacities: inputs and results hold exactly their value; constants their data.
  std::vector<int64_t> cap(static_cast<size_t>(ns), -1);
  std::vector<bool> in_seen(inputs_.size(), false), out_seen(outputs_.size(), false);
  for (int64_t s = 0; s < ns; s++) {
    const SlotDesc& sd = slots_[static_cast<size_t>(s)];
    switch (sd.kind) {
      case SlotDesc::Internal:
        if (sd.bytes < 0 || sd.bytes > kMaxElements * 4) fail("plan: slot " + std::to_string(s) + " has a bad size");
        cap[static_cast<size_t>(s)] = sd.bytes;
        break;
      case SlotDesc::Constant:
        cap[static_cast<size_t>(s)] = static_cast<int64_t>(sd.data.size());
        break;
      case SlotDesc::Input:
        if (sd.index < 0 || sd.index >= static_cast<int64_t>(inputs_.size()) || in_seen[static_cast<size_t>(sd.index)])
          fail("plan: slot " + std::to_string(s) + " names a bad or repeated argument");
        in_seen[static_cast<size_t>(sd.index)] = true;
        break;
      case SlotDesc::Output:
        if (sd.index < 0 || sd.index >= static_cast<int64_t>(outputs_.size()) || out_seen[static_cast<size_t>(sd.index)])
          fail("plan: slot " + std::to_string(s) + " names a bad or repeated result");
        out_seen[static_cast<size_t>(sd.index)] = true;
        break;
    }
  }
  for (size_t k = 0; k < inputs_.size(); k++) {
    value_ok(inputs_[k], "input " + std::to_string(k));
    const int64_t s = value_slot_[static_cast<size_t>(inputs_[k])];
    const SlotDesc& sd = slots_[static_cast<size_t>(s)];
    if (sd.kind != SlotDesc::Input || sd.index != static_cast<int64_t>(k)) fail("plan: input " + std::to_string(k) + " is not in its argument slot");
    cap[static_cast<size_t>(s)] = values_[static_cast<size_t>(inputs_[k])].bytes();
  }
  for (size_t k = 0; k < outputs_.size(); k++) {
    value_ok(outputs_[k], "output " + std::to_string(k));
    const int64_t s = value_slot_[static_cast<size_t>(outputs_[k])];
    const SlotDesc& sd = slots_[static_cast<size_t>(s)];
    if (sd.kind != SlotDesc::Output || sd.index != static_cast<int64_t>(k)) fail("plan: output " + std::to_string(k) + " is not in its result slot");
    cap[static_cast<size_t>(s)] = values_[static_cast<size_t>(outputs_[k])].bytes();
  }
  for (int64_t s = 0; s < ns; s++)
    if (cap[static_cast<size_t>(s)] < 0) fail("plan: slot " + std::to_string(s) + " is not used by its argument or result");
  for (int64_t v = 0; v < nv; v++)
    if (values_[static_cast<size_t>(v)].bytes() > cap[static_cast<size_t>(value_slot_[static_cast<size_t>(v)])])
      fail("plan: value " + std::to_string(v) + " (" + aval_str(values_[static_cast<size_t>(v)]) + ") does not fit its slot");

  // Dataflow: every value is defined once, before it is read, and is still in its slot when read.
  std::vector<int64_t> slot_version(static_cast<size_t>(ns), 0);
  std::vector<int64_t> value_version(static_cast<size_t>(nv), -1);  // −1: not defined yet
  auto define = [&](int64_t v, int64_t version) {
    if (value_version[static_cast<size_t>(v)] >= 0) fail("plan: value " + std::to_string(v) + " is defined twice");
    value_version[static_cast<size_t>(v)] = version;
  };
  std::vector<bool> count_only(static_cast<size_t>(nv), false);  // results of count-only instructions
  auto readable = [&](int64_t v, const std::string& who) {
    value_ok(v, who);
    if (value_version[static_cast<size_t>(v)] < 0) fail("plan: " + who + " reads value " + std::to_string(v) + " before it is defined");
    if (count_only[static_cast<size_t>(v)]) fail("plan: " + who + " reads value " + std::to_string(v) + ", the result of a count-only instruction");
    if (value_version[static_cast<size_t>(v)] != slot_version[static_cast<size_t>(value_slot_[static_cast<size_t>(v)])])
      fail("plan: " + who + " reads value " + std::to_string(v) + " after its memory was reused");
  };
  std::vector<int64_t> def_at(static_cast<size_t>(nv), -1);  // the instruction defining each value (−1: before the first)
  rerun_target_.assign(d.instrs.size(), false);
  for (int64_t v : inputs_) define(v, 0);
  for (int64_t v : d.constants) {
    value_ok(v, "constant");
    const SlotDesc& sd = slots_[static_cast<size_t>(value_slot_[static_cast<size_t>(v)])];
    if (sd.kind != SlotDesc::Constant || static_cast<int64_t>(sd.data.size()) != values_[static_cast<size_t>(v)].bytes())
      fail("plan: constant value " + std::to_string(v) + " does not match its data");
    define(v, 0);
  }
  for (size_t i = 0; i < d.instrs.size(); i++) {
    InstrDesc& in = d.instrs[i];
    std::vector<Aval> ia, oa;
    for (int64_t v : in.ins) {
      readable(v, at(i) + " (" + in.prim + ")");
      ia.push_back(values_[static_cast<size_t>(v)]);
    }
    for (int64_t v : in.outs) {
      value_ok(v, at(i) + " output");
      oa.push_back(values_[static_cast<size_t>(v)]);
    }
    KernelPtr k;
    try {
      if (in.prim == "fused") {
        k = make_fused(in.params, ia, oa);
      } else if (in.prim == "speculation_guard") {
        k = make_guard(i, in.params, ia, oa);
        // A miss runs [target, i) again: what those instructions read from before the target must
        // still be in its memory here.
        const int64_t t = static_cast<int64_t>(p_int(in.params.at("target", "speculation_guard"), "speculation_guard", "target", 0, static_cast<int64_t>(i) - 1));
        for (int64_t j = t; j < static_cast<int64_t>(i); j++)
          for (int64_t v : instrs_[static_cast<size_t>(j)].ins)
            if (def_at[static_cast<size_t>(v)] < t) readable(v, at(i) + " (speculation_guard rerun of " + at(static_cast<size_t>(j)) + ")");
        rerun_target_[static_cast<size_t>(t)] = true;
      } else {
        std::vector<Aval> rule;
        k = in.count_only ? make_count_only(in.prim, in.params, ia, &rule) : make_kernel(in.prim, in.params, ia, &rule);
        if (rule.size() != oa.size()) fail(in.prim + ": gives " + std::to_string(rule.size()) + " outputs, the plan declares " + std::to_string(oa.size()));
        for (size_t o = 0; o < oa.size(); o++)
          if (rule[o] != oa[o]) fail(in.prim + ": output " + std::to_string(o) + " is declared " + aval_str(oa[o]) + ", the shape rule gives " + aval_str(rule[o]));
      }
    } catch (const Error& e) {
      fail(at(i) + ": " + e.what());
    }
    // Memory: outputs go to internal or result slots, distinct, and share an input's memory
    // only where the kernel allows it.
    std::vector<int64_t> new_version(in.outs.size());
    for (size_t o = 0; o < in.outs.size(); o++) {
      const int64_t s = value_slot_[static_cast<size_t>(in.outs[o])];
      const auto kind = slots_[static_cast<size_t>(s)].kind;
      const bool reshape_like = in.prim == "reshape" || in.prim == "squeeze" || in.prim == "expand_dims" || in.prim == "stop_gradient";
      if (kind == SlotDesc::Input || kind == SlotDesc::Constant) {
        // Only a reshape-like view of an argument or constant may live in its memory (it writes nothing).
        bool view = false;
        for (int64_t v : in.ins) view = view || value_slot_[static_cast<size_t>(v)] == s;
        if (!reshape_like || !view) fail(at(i) + " (" + in.prim + "): writes an argument or a constant");
      }
      for (size_t o2 = 0; o2 < o; o2++)
        if (value_slot_[static_cast<size_t>(in.outs[o2])] == s) fail(at(i) + " (" + in.prim + "): two outputs share a slot");
      bool aliased_read_only = false;
      bool shares = false;
      for (size_t j = 0; j < in.ins.size(); j++) {
        if (value_slot_[static_cast<size_t>(in.ins[j])] != s) continue;
        shares = true;
        if (!k->may_alias(static_cast<int>(o), static_cast<int>(j)) || values_[static_cast<size_t>(in.ins[j])].bytes() != values_[static_cast<size_t>(in.outs[o])].bytes())
          fail(at(i) + " (" + in.prim + "): output " + std::to_string(o) + " may not share memory with input " + std::to_string(j));
        // A reshape-like kernel on shared memory writes nothing: the input stays valid.
        if (reshape_like) aliased_read_only = true;
      }
      new_version[o] = shares && aliased_read_only ? slot_version[static_cast<size_t>(s)] : slot_version[static_cast<size_t>(s)] + 1;
    }
    for (size_t o = 0; o < in.outs.size(); o++) {
      const int64_t s = value_slot_[static_cast<size_t>(in.outs[o])];
      slot_version[static_cast<size_t>(s)] = new_version[o];
      define(in.outs[o], new_version[o]);
      count_only[static_cast<size_t>(in.outs[o])] = in.count_only;
      def_at[static_cast<size_t>(in.outs[o])] = static_cast<int64_t>(i);
    }
    instrs_.push_back(Instr{std::move(k), in.ins, in.outs, in.count_only});
  }
  for (size_t k = 0; k < outputs_.size(); k++) readable(outputs_[k], "result " + std::to_string(k));
}

KernelPtr Plan::make_guard(size_t i, const PVal& params, const std::vector<Aval>& ins, const std::vector<Aval>& outs) {
  const std::string ctx = "speculation_guard";
  const int64_t t = p_int(params.at("target", ctx), ctx, "target", 0, static_cast<int64_t>(i) - 1);
  Predictions* p = instrs_[static_cast<size_t>(t)].kernel->predictions();
  if (p == nullptr) fail(ctx + ": instruction " + std::to_string(t) + " reads no predicted scalars");
  std::vector<int64_t> index = p_ints(params.at("predicted", ctx), ctx, "predicted", 0, static_cast<int64_t>(p->lanes.size()) - 1);
  if (index.size() != ins.size()) fail(ctx + ": one operand per predicted scalar is needed");
  if (!outs.empty()) fail(ctx + ": has no results");
  for (size_t k = 0; k < ins.size(); k++)
    if (ins[k] != Aval{p->dtypes[static_cast<size_t>(index[k])], Shape{}})
      fail(ctx + ": operand " + std::to_string(k) + " is " + aval_str(ins[k]) + ", its prediction is " + dtype_name(p->dtypes[static_cast<size_t>(index[k])]) + "[]");
  return KernelPtr(new GuardKernel(p, std::move(index), t));
}

namespace {
/** FNV-1a of a kernel's compiled source: a loaded function must come from exactly that source. */
uint64_t source_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
}  // namespace

std::string Plan::jit_source(const std::string& prefix, int64_t min_elements) const {
  std::string src;
  for (size_t i = 0; i < instrs_.size(); i++) {
    const std::string name = prefix + std::to_string(i);
    const std::string k = instrs_[i].kernel->jit_source(name, min_elements);
    if (k.empty()) continue;
    src += k + "extern \"C\" unsigned long long " + name + "_source() { return " + std::to_string(source_hash(k)) + "ull; }\n";
  }
  return src;
}

int Plan::jit_bind(const std::string& prefix, const std::function<void*(const std::string&)>& lookup) {
  std::vector<std::pair<size_t, void*>> found;
  for (size_t i = 0; i < instrs_.size(); i++) {
    const std::string name = prefix + std::to_string(i);
    void* fn = lookup(name);
    if (!fn) continue;
    auto source = reinterpret_cast<unsigned long long (*)()>(lookup(name + "_source"));
    if (!source || source() != source_hash(instrs_[i].kernel->jit_source(name, 0)))
      fail("jitLoad: " + name + " was not compiled from this plan's instruction " + std::to_string(i));
    found.emplace_back(i, fn);
  }
  // Bound only once every function is known to match: a failed load leaves the plan as it was.
  for (const auto& [i, fn] : found) instrs_[i].kernel->jit_bind(fn);
  return static_cast<int>(found.size());
}

int64_t Plan::arena_bytes() const {
  int64_t n = 0;
  for (const auto& s : slots_)
    if (s.kind == SlotDesc::Internal) n += s.bytes;
  return n;
}

void Plan::execute(const std::vector<void*>& inputs, const std::vector<void*>& outputs, CastCounts* stats, double* timings) {
  if (inputs.size() != inputs_.size() || outputs.size() != outputs_.size()) fail("plan: wrong number of buffers");
  ThreadPool::instance().wake();
  if (arena_.empty()) {
    for (const auto& s : slots_) arena_.emplace_back(s.kind == SlotDesc::Internal ? static_cast<uint8_t*>(aligned_bytes(s.bytes)) : nullptr);
  }
  std::vector<void*> slot_ptr(slots_.size());
  for (size_t s = 0; s < slots_.size(); s++) {
    SlotDesc& sd = slots_[s];
    switch (sd.kind) {
      case SlotDesc::Internal: slot_ptr[s] = arena_[s].get(); break;
      case SlotDesc::Input: slot_ptr[s] = inputs[static_cast<size_t>(sd.index)]; break;
      case SlotDesc::Output: slot_ptr[s] = outputs[static_cast<size_t>(sd.index)]; break;
      case SlotDesc::Constant: slot_ptr[s] = sd.data.data(); break;
    }
  }
  RunCtx ctx;
  ctx.stats = stats;
  std::vector<Buf> ib, ob;
  // The cast counters as they were before each rerun target, restored when a guard reruns it.
  // Kept by the plan: counted training steps would otherwise allocate it every run.
  if (stats != nullptr && counts_before_.size() != instrs_.size()) counts_before_.resize(instrs_.size());
  std::vector<CountsSnapshot>& before = counts_before_;
  size_t reruns = 0;
  for (size_t k = 0; k < instrs_.size();) {
    if (stats != nullptr && rerun_target_[k]) before[k].take(*stats);
    const Instr& in = instrs_[k];
    if (in.count_only && stats == nullptr) {
      k++;
      continue;
    }
    ib.clear();
    ob.clear();
    for (int64_t v : in.ins) {
      const Aval& a = values_[static_cast<size_t>(v)];
      ib.push_back(Buf{slot_ptr[static_cast<size_t>(value_slot_[static_cast<size_t>(v)])], &a, a.size()});
    }
    for (int64_t v : in.outs) {
      const Aval& a = values_[static_cast<size_t>(v)];
      ob.push_back(Buf{slot_ptr[static_cast<size_t>(value_slot_[static_cast<size_t>(v)])], &a, a.size()});
    }
    if (timings == nullptr) {
      in.kernel->run(ib.data(), ob.data(), ctx);
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      in.kernel->run(ib.data(), ob.data(), ctx);
      timings[k] += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    }
    if (ctx.rerun_from < 0) {
      k++;
      continue;
    }
    // A guard missed and stored the right predictions: run again from its target. Each guard
    // misses at most once per run, as the scalars it checks do not depend on its predictions.
    k = static_cast<size_t>(ctx.rerun_from);
    ctx.rerun_from = -1;
    reruns_++;
    if (++reruns > instrs_.size()) fail("plan: speculation does not settle");
    if (stats != nullptr) before[k].restore(*stats);
  }
}

void run_primitive(const std::string& prim, const PVal& params, const std::vector<Aval>& in_avals, const std::vector<void*>& in_data,
                   std::vector<Aval>* out_avals, const std::function<std::vector<void*>(const std::vector<Aval>&)>& alloc_outputs,
                   CastCounts* stats) {
  KernelPtr k = prim == "fused" ? nullptr : make_kernel(prim, params, in_avals, out_avals);
  if (!k) fail("fused: use a plan");
  std::vector<void*> out_data = alloc_outputs(*out_avals);
  std::vector<Buf> ib, ob;
  for (size_t i = 0; i < in_avals.size(); i++) ib.push_back(Buf{in_data[i], &in_avals[i], in_avals[i].size()});
  for (size_t i = 0; i < out_avals->size(); i++) ob.push_back(Buf{out_data[i], &(*out_avals)[i], (*out_avals)[i].size()});
  RunCtx ctx;
  ctx.stats = stats;
  k->run(ib.data(), ob.data(), ctx);
}

}  // namespace scalify
