// A compiled execution plan (built by runtime/native/lower.ts, validated here): values with
// avals placed in slots (memory reused by liveness), and instructions, each one kernel. The
// constructor checks everything a kernel relies on — avals against the kernels' shape rules,
// slot capacities, that no instruction writes memory it reads (unless the kernel allows it),
// and that every value read is still the one its slot holds — so running a validated plan on
// validated inputs cannot touch memory out of bounds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core.h"

namespace scalify {

struct SlotDesc {
  enum Kind { Internal, Input, Output, Constant } kind = Internal;
  int64_t bytes = 0;               // Internal: capacity
  int64_t index = 0;               // Input: argument index; Output: result index
  std::vector<uint8_t> data;       // Constant: the bytes
};

struct InstrDesc {
  std::string prim;                // a primitive name, or "fused"
  PVal params;                     // the primitive's params, or the fused program
  std::vector<int64_t> ins, outs;  // value ids
  /**
   * Runs only when casts are counted (a cast the lowering folded into its matmuls stays for its
   * counts): nothing may read its results.
   */
  bool count_only = false;
};

struct PlanDesc {
  std::vector<Aval> values;
  std::vector<int64_t> value_slot;
  std::vector<SlotDesc> slots;
  std::vector<int64_t> inputs;     // value id of each argument
  std::vector<int64_t> constants;  // values defined by their constant slot
  std::vector<int64_t> outputs;    // value id of each result
  std::vector<InstrDesc> instrs;
};

class Plan {
 public:
  explicit Plan(PlanDesc desc);
  const Aval& input_aval(size_t k) const { return values_[static_cast<size_t>(inputs_[k])]; }
  const Aval& output_aval(size_t k) const { return values_[static_cast<size_t>(outputs_[k])]; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  size_t num_instructions() const { return instrs_.size(); }
  /** Bytes of the internal slots (the arena). */
  int64_t arena_bytes() const;
  /** Speculation guards that missed, over all runs so far (each cost a rerun from its target). */
  int64_t reruns() const { return reruns_; }
  /**
   * C++ source of the compiled forms of this plan's kernels (Kernel::jit_source), instruction i's
   * named `prefix` + i; "" if no kernel has one.
   */
  std::string jit_source(const std::string& prefix, int64_t min_elements) const;
  /** Binds each kernel whose name `lookup` finds to that compiled form; returns how many. */
  int jit_bind(const std::string& prefix, const std::function<void*(const std::string&)>& lookup);

  /**
   * Runs the plan. `inputs[k]` / `outputs[k]` hold exactly the bytes of argument / result k.
   * `timings`, when given, has one entry per instruction and gets each one's nanoseconds added.
   */
  void execute(const std::vector<void*>& inputs, const std::vector<void*>& outputs, CastCounts* stats, double* timings = nullptr);

 private:
  struct Instr {
    KernelPtr kernel;
    std::vector<int64_t> ins, outs;
    bool count_only;
  };
  /** The cast counters at one moment (CastCounts is atomic, so it cannot simply be copied). */
  struct CountsSnapshot {
    int64_t saturated[kNumDTypes] = {}, flushed_to_zero[kNumDTypes] = {}, non_finite[kNumDTypes] = {};
    void take(const CastCounts& c) {
      for (int d = 0; d < kNumDTypes; d++) saturated[d] = c.saturated[d], flushed_to_zero[d] = c.flushed_to_zero[d], non_finite[d] = c.non_finite[d];
    }
    void restore(CastCounts& c) const {
      for (int d = 0; d < kNumDTypes; d++) c.saturated[d] = saturated[d], c.flushed_to_zero[d] = flushed_to_zero[d], c.non_finite[d] = non_finite[d];
    }
  };
  /** A speculation guard for instruction i (runtime/native/speculate.ts). */
  KernelPtr make_guard(size_t i, const PVal& params, const std::vector<Aval>& ins, const std::vector<Aval>& outs);
  std::vector<Aval> values_;
  std::vector<int64_t> value_slot_;
  std::vector<SlotDesc> slots_;
  std::vector<int64_t> inputs_, outputs_;
  std::vector<Instr> instrs_;
  std::vector<bool> rerun_target_;  // instructions a guard may run again from
  std::vector<CountsSnapshot> counts_before_;  // cast counters before each rerun target (counted runs)
  int64_t reruns_ = 0;
  std::vector<std::unique_ptr<uint8_t[]>> arena_;
};

/** Runs one primitive on validated buffers (the addon's raw kernel entry point). */
void run_primitive(const std::string& prim, const PVal& params, const std::vector<Aval>& in_avals, const std::vector<void*>& in_data,
                   std::vector<Aval>* out_avals, const std::function<std::vector<void*>(const std::vector<Aval>&)>& alloc_outputs,
                   CastCounts* stats);

}  // namespace scalify
