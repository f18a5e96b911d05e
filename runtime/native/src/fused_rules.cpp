// The catalogue's elementwise rules (ir/primitives/elementwise.ts, misc.ts casts, scaling.ts
// pow2_round / stop_scaling) for the fused register machine: each equation of a fused program
// (or a lone elementwise primitive) is checked here and becomes one op with its result dtype.
#include <cmath>

#include "fused.h"

namespace scalify {
namespace fused {

namespace {

const char* const kUnaryFloat[] = {"exp", "log", "sqrt", "rsqrt", "tanh", "logistic", "erf", "sin", "cos"};
const char* const kBinary[] = {"add", "sub", "mul", "div", "max", "min", "pow"};
const char* const kCompare[] = {"eq", "ne", "lt", "le", "gt", "ge"};

template <size_t N>
int index_of(const char* const (&names)[N], const std::string& s) {
  for (size_t i = 0; i < N; i++)
    if (s == names[i]) return static_cast<int>(i);
  return -1;
}

double literal_number(const PVal& v, const std::string& ctx) {
  if (v.kind != PVal::Num) fail(ctx + ": literal value must be a number");
  return v.num;
}

/** The 4-byte lanes of literal `x` in dtype d (the value rounded to d, as Literal tensors are). */
uint32_t literal_lanes(double x, DType d, const DecodeTables& T) {
  switch (d) {
    case DType::I32: {
      int32_t v;
      if (x != x) v = 0;
      else if (x >= 2147483647.0) v = 2147483647;
      else if (x <= -2147483648.0) v = INT32_MIN;
      else v = static_cast<int32_t>(std::trunc(x));
      return static_cast<uint32_t>(v);
    }
    case DType::BOOL:
      return x != 0 ? 1u : 0u;
    default:
      return f32_bits(round_to(d, static_cast<float>(x), false, T));
  }
}

void require(bool ok, const std::string& msg) {
  if (!ok) fail(msg);
}

}  // namespace

/** Appends the op of one equation; returns its result register. Fails like the shape rules. */
int add_op(Builder& B, const std::string& prim, const PVal& params, const std::vector<int>& args, const std::string& ctx) {
  const DecodeTables& T = decode_tables();
  VOp op;
  op.args = args;
  auto arg = [&](size_t i) -> const Reg& { return B.regs[static_cast<size_t>(args[i])]; };
  auto need_arity = [&](size_t n) {
    require(args.size() == n, ctx + ": takes " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  };
  auto same_dtypes = [&]() {
    for (size_t i = 1; i < args.size(); i++)
      require(arg(i).dtype == arg(0).dtype, ctx + ": operands must have one dtype, got " + dtype_name(arg(0).dtype) + " and " + dtype_name(arg(i).dtype));
  };
  auto no_params = [&]() {
    require(params.kind == PVal::Obj || params.kind == PVal::Null, ctx + ": params must be an object");
    for (const auto& kv : params.obj) fail(ctx + ": unknown param " + kv.first);
  };
  bool scalar = true;
  for (int r : args) {
    scalar = scalar && B.regs[static_cast<size_t>(r)].scalar;
    require(!B.regs[static_cast<size_t>(r)].view || prim == "broadcast_in_dim", ctx + ": an operand of another shape than the group's can only be broadcast");
  }
  op.scalar = scalar;
  DType out = DType::F32;
  int k;
  if (prim == "predicted") {
    require(args.empty(), ctx + ": a predicted scalar takes no operands");
    out = p_dtype(params.at("dtype", ctx), ctx, "dtype");
    op.code = PREDICTED;
    op.pred = static_cast<int>(p_int(params.at("index", ctx), ctx, "index", 0, 1 << 20));
    op.scalar = true;
    const size_t k = static_cast<size_t>(op.pred);
    if (B.predicted.size() <= k) B.predicted.resize(k + 1, DType::F32);
    B.predicted[k] = out;
  } else if (prim == "literal") {
    require(args.empty(), ctx + ": a literal takes no operands");
    out = p_dtype(params.at("dtype", ctx), ctx, "dtype");
    op.code = LITERAL;
    op.lit = literal_lanes(literal_number(params.at("value", ctx), ctx), out, T);
    op.scalar = true;
  } else if (prim == "neg" || prim == "abs" || prim == "sign") {
    need_arity(1);
    no_params();
    out = arg(0).dtype;
    require(out != DType::BOOL, ctx + ": operand must be numeric, got bool");
    const bool f = is_float(out);
    op.code = prim == "neg" ? (f ? F_NEG : I_NEG) : prim == "abs" ? (f ? F_ABS : I_ABS) : (f ? F_SIGN : I_SIGN);
    op.round = f;
  } else if ((k = index_of(kUnaryFloat, prim)) >= 0) {
    need_arity(1);
    no_params();
    out = arg(0).dtype;
    require(is_float(out), ctx + ": operand must be a float, got " + dtype_name(out));
    static const Code codes[] = {F_EXP, F_LOG, F_SQRT, F_RSQRT, F_TANH, F_LOGISTIC, F_ERF, F_SIN, F_COS};
    op.code = codes[k];
    op.round = true;
  } else if (prim == "integer_pow") {
    need_arity(1);
    out = arg(0).dtype;
    require(out != DType::BOOL, ctx + ": operand must be numeric, got bool");
    op.ipow = p_int(params.at("y", ctx), ctx, "y", -(int64_t{1} << 53), int64_t{1} << 53);
    op.code = is_float(out) ? F_IPOW : I_IPOW;
    op.round = is_float(out);
  } else if ((k = index_of(kBinary, prim)) >= 0) {
    need_arity(2);
    no_params();
    same_dtypes();
    out = arg(0).dtype;
    require(out != DType::BOOL, ctx + ": operands must be numeric, got bool");
    if (prim == "pow") require(is_float(out), ctx + ": operands must be floats, got " + dtype_name(out));
    static const Code fc[] = {F_ADD, F_SUB, F_MUL, F_DIV, F_MAX, F_MIN, F_POW};
    static const Code ic[] = {I_ADD, I_SUB, I_MUL, I_DIV, I_MAX, I_MIN, I_ADD};
    op.code = is_float(out) ? fc[k] : ic[k];
    op.round = is_float(out);
  } else if ((k = index_of(kCompare, prim)) >= 0) {
    need_arity(2);
    no_params();
    same_dtypes();
    out = DType::BOOL;
    static const Code fc[] = {F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE};
    static const Code ic[] = {I_EQ, I_NE, I_LT, I_LE, I_GT, I_GE};
    static const Code bc[] = {B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE};
    op.code = is_float(arg(0).dtype) ? fc[k] : arg(0).dtype == DType::BOOL ? bc[k] : ic[k];
  } else if (prim == "and" || prim == "or" || prim == "not") {
    need_arity(prim == "not" ? 1 : 2);
    no_params();
    same_dtypes();
    out = arg(0).dtype;
    require(out == DType::BOOL || out == DType::I32, ctx + ": operands must be bool or i32, got " + dtype_name(out));
    const bool b = out == DType::BOOL;  // bool lanes may hold any non-zero byte for true
    op.code = prim == "and" ? (b ? B_AND : I_AND) : prim == "or" ? (b ? B_OR : I_OR) : (b ? B_NOT : I_NOT);
  } else if (prim == "shift_right_logical") {
    need_arity(2);
    no_params();
    same_dtypes();
    out = DType::I32;
    require(arg(0).dtype == DType::I32, ctx + ": operands must be i32, got " + dtype_name(arg(0).dtype));
    op.code = I_SHR;
  } else if (prim == "select_n") {
    require(args.size() >= 2, ctx + ": takes at least 2 operands, got " + std::to_string(args.size()));
    no_params();
    const Reg& w = arg(0);
    require(w.dtype == DType::BOOL || w.dtype == DType::I32, ctx + ": predicate must be bool or i32, got " + dtype_name(w.dtype));
    if (w.dtype == DType::BOOL) require(args.size() == 3, ctx + ": a bool predicate needs exactly 2 cases, got " + std::to_string(args.size() - 1));
    out = arg(1).dtype;
    for (size_t i = 2; i < args.size(); i++)
      require(arg(i).dtype == out && arg(i).scalar == arg(1).scalar, ctx + ": cases must have one type");
    require(w.scalar || !arg(1).scalar, ctx + ": predicate shape must be scalar or match the cases");
    op.code = w.dtype == DType::BOOL ? SELECT_B : SELECT_I;
  } else if (prim == "convert_element_type") {
    need_arity(1);
    out = p_dtype(params.at("new_dtype", ctx), ctx, "new_dtype");
    op.saturate = p_bool(params.at("saturate", ctx), ctx, "saturate");
    const DType s = arg(0).dtype;
    op.src = s;
    if (is_float(s)) op.code = is_float(out) ? CVT_F_F : out == DType::I32 ? CVT_F_I : CVT_F_B;
    else if (s == DType::I32) op.code = is_float(out) ? CVT_I_F : out == DType::I32 ? COPY : CVT_I_B;
    else op.code = is_float(out) ? CVT_B_F : CVT_B_I;  // bool → i32 or bool: 0/1
    op.count = is_low_precision(out);  // runtime/kernels/cast.ts counts casts to low-precision floats
  } else if (prim == "stop_scaling") {
    // On a plain tensor: a non-saturating conversion to `dtype` (default: x's), not counted.
    need_arity(1);
    const DType s = arg(0).dtype;
    require(is_float(s), ctx + ": operand must be a float, got " + dtype_name(s));
    const PVal& d = params.at("dtype", ctx);
    out = d.kind == PVal::Null ? s : p_dtype(d, ctx, "dtype");
    require(is_float(out), ctx + std::string(": dtype must be a float, got ") + dtype_name(out));
    op.src = s;
    op.code = CVT_F_F;
  } else if (prim == "broadcast_in_dim") {
    // To the group shape: a rank-0 operand (a fill), an operand of another shape read through a
    // view (gathered per block, never materialised), or the group shape itself (a copy).
    need_arity(1);
    require(p_ints(params.at("shape", ctx), ctx, "shape", 0, kMaxElements) == B.shape, ctx + ": must broadcast to the group shape " + shape_str(B.shape));
    const auto bd = p_ints(params.at("broadcast_dimensions", ctx), ctx, "broadcast_dimensions", 0, 64);
    const Reg& x = arg(0);
    out = x.dtype;
    if (x.scalar) {
      require(bd.empty(), ctx + ": broadcast_dimensions must be empty for a rank-0 operand");
      op.code = BCAST;
      op.scalar = B.shape.empty();  // a broadcast to rank 0 is the value itself
    } else if (x.view) {
      require(bd.size() == x.shape.size(), ctx + ": broadcast_dimensions must have one entry per operand dim");
      const Shape st = row_major_strides(x.shape);
      op.view_strides.assign(B.shape.size(), 0);
      for (size_t i = 0; i < bd.size(); i++) {
        require(bd[i] < static_cast<int64_t>(B.shape.size()) && (i == 0 || bd[i] > bd[i - 1]), ctx + ": broadcast_dimensions must be increasing and below the output rank");
        require(x.shape[i] == 1 || x.shape[i] == B.shape[static_cast<size_t>(bd[i])], ctx + ": cannot broadcast " + shape_str(x.shape) + " to " + shape_str(B.shape));
        if (x.shape[i] != 1) op.view_strides[static_cast<size_t>(bd[i])] = st[i];
      }
      op.code = BCAST_VIEW;
      op.view_input = args[0];
      op.scalar = false;
    } else {
      for (size_t i = 0; i < bd.size(); i++) require(bd[i] == static_cast<int64_t>(i), ctx + ": broadcast_dimensions must be the identity");
      require(bd.size() == B.shape.size(), ctx + ": broadcast_dimensions must be the identity");
      op.code = COPY;
      op.scalar = false;
    }
  } else if (prim == "pow2_round") {
    need_arity(1);
    out = arg(0).dtype;
    require(is_float(out), ctx + ": operand must be a float, got " + dtype_name(out));
    const std::string mode = p_str(params.at("mode", ctx), ctx, "mode");
    require(mode == "down" || mode == "up", ctx + ": mode must be \"down\" or \"up\"");
    op.code = mode == "down" ? POW2_DOWN : POW2_UP;
    op.round = true;
  } else if (prim == "reduce_precision") {
    need_arity(1);
    out = arg(0).dtype;
    require(is_float(out), ctx + ": operand must be a float, got " + dtype_name(out));
    op.e = static_cast<int>(p_int(params.at("exponent_bits", ctx), ctx, "exponent_bits", 1, 8));
    op.m = static_cast<int>(p_int(params.at("mantissa_bits", ctx), ctx, "mantissa_bits", 0, 23));
    op.src = out;
    op.code = RED_PREC;
  } else {
    fail(ctx + ": not an elementwise primitive");
  }
  op.dtype = out;
  op.round = op.round && is_low_precision(out);
  B.ops.push_back(op);
  B.regs.push_back(Reg{out, op.scalar, false, {}});
  return static_cast<int>(B.regs.size()) - 1;
}

const char* const kFusablePrims[] = {"neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "tanh", "logistic", "erf", "sin", "cos",
                                     "integer_pow", "add", "sub", "mul", "div", "max", "min", "pow", "eq", "ne", "lt", "le", "gt", "ge",
                                     "and", "or", "not", "shift_right_logical", "select_n", "convert_element_type", "reduce_precision",
                                     "stop_scaling", "pow2_round"};

bool is_fusable_prim(const std::string& prim) {
  for (const char* p : kFusablePrims)
    if (prim == p) return true;
  return false;
}

}  // namespace fused
}  // namespace scalify
