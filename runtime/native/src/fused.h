// Shared pieces of the fused elementwise kernels (fused.cpp, fused_exec.cpp, fused_rules.cpp):
// the op codes of the register machine, its registers and ops, lane loads/stores and the
// per-op loops, and the builder that checks the catalogue's elementwise rules.
#pragma once

#include <string>
#include <vector>

#include "cast_classes.h"
#include "core.h"

namespace scalify {
namespace fused {

// Lanes per block. Each op costs a call and a loop start per block, so longer blocks run faster
// (a 36-op chain on 784×512: 256 lanes 1.77 ms, 1024 lanes 1.45 ms, 2 threads) even once the
// registers (8 KiB each here) spill from L1 to L2: the MNIST training steps, A/B against 1024
// lanes in one process, ran 0.93–0.97× (f16), 0.98× (fp8), 0.94–1.00× (f32) with 2048 lanes,
// 0.96–1.01× with 4096 and 1.01–1.10× with 512. Rank-0 registers mostly take no lanes at all
// (scalar_args).
constexpr int BLOCK = 2048;

/** Op codes; the operand dtype is part of the code (F_ float lanes, I_ int lanes, B_ bool lanes). */
enum Code : int {
  F_NEG, F_ABS, F_SIGN, F_SQRT, F_RSQRT, F_EXP, F_LOG, F_TANH, F_LOGISTIC, F_ERF, F_SIN, F_COS, F_IPOW,
  I_NEG, I_ABS, I_SIGN, I_IPOW, I_NOT, B_NOT,
  F_ADD, F_SUB, F_MUL, F_DIV, F_MAX, F_MIN, F_POW,
  I_ADD, I_SUB, I_MUL, I_DIV, I_MAX, I_MIN, I_AND, I_OR, I_SHR,
  F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE,
  I_EQ, I_NE, I_LT, I_LE, I_GT, I_GE,
  B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_AND, B_OR, CVT_B_I,
  SELECT_B, SELECT_I,
  CVT_F_F, CVT_F_I, CVT_F_B, CVT_I_F, CVT_I_B, CVT_B_F, COPY,
  RED_PREC, POW2_DOWN, POW2_UP, BCAST, BCAST_VIEW,
  LITERAL, PREDICTED,
};

/**
 * A register: rank 0 (`scalar`, one value broadcast), the group shape, or — for an input read
 * only through broadcast_in_dim — a `view` of an operand of another shape, gathered per block.
 */
struct Reg {
  DType dtype = DType::F32;
  bool scalar = true;
  bool view = false;
  Shape shape;  // views only
};

struct VOp {
  Code code = LITERAL;
  DType dtype = DType::F32;      // result dtype
  DType src = DType::F32;        // operand dtype (casts, reduce_precision)
  std::vector<int> args;         // registers read
  int64_t ipow = 0;              // integer_pow exponent
  bool saturate = false;         // convert_element_type
  int e = 8, m = 23;             // reduce_precision
  uint32_t lit = 0;              // literal lanes
  int pred = -1;                 // PREDICTED: index into the kernel's predictions
  bool round = false;            // round the result to `dtype` (low-precision floats)
  bool count = false;            // a cast that counts in the cast statistics
  int view_input = -1;           // BCAST_VIEW: the input gathered from
  Shape view_strides;            // BCAST_VIEW: its element stride per group dim (0: broadcast)
  bool scalar = true;
  // Bit k: argument k is a rank-0 register that this (vector) op reads as one value, so the
  // register needs no block of broadcast lanes (reads_scalar_args says which ops can).
  unsigned scalar_args = 0;
  // A cast to fp8 whose result is only stored: when no counters run, the store encodes the
  // unrounded lanes (the same codes as encoding their rounded images) and the rounding is skipped.
  bool encode_at_store = false;
  // A cast to f32 of a value whose lanes are already exact f32 (a decoded f16, bf16 or fp8 block):
  // its register shares the operand's lanes instead of copying them.
  bool alias = false;
  // x·s or x/s with s a rank-0 argument (this index) and x dying here, the result in x's slot:
  // when s is exactly 1 in a run, the op is skipped (x·1 = x/1 = x, −0, ±Inf and NaN included).
  // Scaled programs multiply by scale ratios that are 1 whenever a scale did not change.
  int identity_when_one = -1;
  // Never run: an |x| whose only reader, a max reduction, takes x's magnitudes itself.
  bool unused = false;
};

/** Whether exec_op reads a rank-0 argument of `c` as one value when `scalar_args` says so. */
inline bool reads_scalar_args(Code c) { return c == F_ADD || c == F_SUB || c == F_MUL || c == F_DIV || c == F_MAX || c == F_MIN || c == BCAST; }

/** How expensive an op is per element, to decide when to use threads. */
int op_cost(Code c);
/** The f32 image of rounding x to dtype d (non-saturating unless `sat`). */
float round_to(DType d, float x, bool sat, const DecodeTables& T);
/** How a cast to d classifies its operands (cast_classes.h), found from round_to. */
const CastClasses& cast_classes(DType d, bool sat);
/** Adds the cast statistics of casting L f32 lanes as `c` classifies them. */
void count_lanes(const float* x, int L, const CastClasses& c, LocalCounts& out);
/** Decodes L elements of dtype d at element offset `off` into 4-byte lanes (floats; ints for i32/bool). */
void load_block(DType d, const void* src, int64_t off, int L, void* dst, const DecodeTables& T);
/** Encodes L lanes (exact images of dtype d) into storage at element offset `off`. */
void store_block(DType d, const void* lanes, int L, void* dst, int64_t off);
/**
 * Runs one op over L lanes: R[r] points at register r's lanes, dst at the result's. A non-zero
 * `reciprocal` is an exact 1/s for a division by the rank-0 s: the lanes are multiplied by it.
 */
void exec_op(const VOp& op, void* const* R, void* dst, int L, LocalStats* st, const DecodeTables& T, float reciprocal = 0.0f);

/** Registers and ops of a program being built; `shape` is the group shape (a broadcast's target). */
struct Builder {
  std::vector<Reg> regs;
  std::vector<VOp> ops;
  Shape shape;
  std::vector<DType> predicted;  // dtype of each predicted scalar, by index
};

// MaxAbs: max |x| of a register x, taken from its lanes' magnitude bits (fused.cpp absorb_abs).
enum class RedOp { Sum, Max, Min, MaxAbs };

/** A full reduction of register `reg` over the group, an extra rank-0 output of the kernel. */
struct Reduction {
  int reg;
  RedOp op;
};

/** A fused kernel's program after register planning, as fused_jit.cpp compiles it. */
struct JitProgram {
  const std::vector<Reg>& regs;
  const std::vector<VOp>& ops;
  int n_in;
  const std::vector<int>& outputs;
  const std::vector<Reduction>& reductions;
  const Shape& shape;
};

/**
 * C++ source of `extern "C" void name(const jit::Args&)`: one block of the program with AVX2
 * registers (jit_lanes.h), for runs without cast counters; "" if some op has no compiled form.
 */
std::string jit_emit(const std::string& name, const JitProgram& p);

/** Appends the op of one equation after checking it as the shape rules do; returns its register. */
int add_op(Builder& B, const std::string& prim, const PVal& params, const std::vector<int>& args, const std::string& ctx);

/** Every primitive the fused kernels evaluate. */
bool is_fusable_prim(const std::string& prim);

}  // namespace fused
}  // namespace scalify
