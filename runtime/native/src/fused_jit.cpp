// The compiled form of a fused kernel: C++ for one block of its program, every register a vector
// (jit_lanes.h: 8 lanes, or 16 where AVX-512 is targeted and the kernel qualifies) instead of a
// block-sized array, so a chain of ops reads its inputs once, keeps its intermediates in
// registers and writes its outputs once. The register machine
// (fused.cpp) stays the reference and runs whatever this does not cover: transcendentals, integer
// ops, strided views. Each function is checked against its kernel when loaded (plan.cpp jit_bind).
#include <map>
#include <set>
#include <sstream>

#include "fused.h"
#include "simd.h"

namespace scalify {
namespace fused {

namespace {

std::string reg(int r) { return "r" + std::to_string(r); }

const char* load_fn(DType d) {
  switch (d) {
    case DType::F32:
    case DType::I32: return "ld_f32";
    case DType::F16: return "ld_f16";
    case DType::BF16: return "ld_bf16";
    case DType::E4M3FN:
    case DType::E5M2: return "ld_fp8";
    case DType::BOOL: return "ld_bool";
  }
  return "";
}

/** A load of dtype d from `ptr` at element `off`, n lanes (`tail` a compile-time flag). */
std::string load(DType d, const std::string& ptr, const std::string& off, const std::string& n, const std::string& tail) {
  std::string s = std::string(load_fn(d)) + "<" + tail + ">(" + ptr + ", " + off + ", " + n;
  if (d == DType::E4M3FN) s += ", a.T->e4m3fn";
  if (d == DType::E5M2) s += ", a.T->e5m2";
  return s + ")";
}

/** The lanes x rounded to dtype d (saturating fp8 if `sat`); `fp8` names the rounding objects used. */
std::string round(DType d, const std::string& x, bool sat, std::set<std::string>& fp8) {
  switch (d) {
    case DType::F16: return "round_f16(" + x + ")";
    case DType::BF16: return "round_bf16(" + x + ")";
    case DType::E4M3FN:
    case DType::E5M2: {
      const std::string name = std::string(d == DType::E4M3FN ? "e4m3fn" : "e5m2") + (sat ? "_sat" : "");
      fp8.insert(name);
      return "round_" + name + "(" + x + ")";
    }
    default: return x;
  }
}

const char* cmp_pred(Code c) {
  switch (c) {
    case F_EQ: return "_CMP_EQ_OQ";
    case F_NE: return "_CMP_NEQ_UQ";
    case F_LT: return "_CMP_LT_OQ";
    case F_LE: return "_CMP_LE_OQ";
    case F_GT: return "_CMP_GT_OQ";
    default: return "_CMP_GE_OQ";
  }
}

/** The expression of a vector op over its argument registers, "" if it has no compiled form. */
std::string op_expr(const VOp& op, int j, const JitProgram& p, std::set<std::string>& fp8) {
  std::vector<std::string> x;
  for (int a : op.args) x.push_back(reg(a));
  auto call = [&](const char* f) { return std::string(f) + "(" + x[0] + (x.size() > 1 ? ", " + x[1] : "") + ")"; };
  switch (op.code) {
    case F_NEG: return call("neg");
    case F_ABS: return call("abs");
    case F_SIGN: return call("sign");
    case F_SQRT: return call("sqrt");
    case F_RSQRT: return call("rsqrt");
    case F_IPOW:
      switch (op.ipow) {
        case 1: return x[0];
        case 2: return "mul(" + x[0] + ", " + x[0] + ")";
        case 3: return "mul(" + x[0] + ", mul(" + x[0] + ", " + x[0] + "))";
        case -1: return "div(splat_f(1.0f), " + x[0] + ")";
        case -2: return "div(splat_f(1.0f), mul(" + x[0] + ", " + x[0] + "))";
        default: return "";
      }
    case F_ADD: return call("add");
    case F_SUB: return call("sub");
    case F_MUL: return call("mul");
    case F_DIV:
      // A division by a rank-0 power of two is a multiplication by its exact reciprocal (fused.cpp).
      if ((op.scalar_args & 2u) && p.regs[static_cast<size_t>(op.args[1])].scalar)
        return "(rc" + std::to_string(j) + " ? mul(" + x[0] + ", rcv" + std::to_string(j) + ") : div(" + x[0] + ", " + x[1] + "))";
      return call("div");
    case F_MAX: return call("max_ref");
    case F_MIN: return call("min_ref");
    case F_EQ: case F_NE: case F_LT: case F_LE: case F_GT: case F_GE:
      return std::string("cmp<") + cmp_pred(op.code) + ">(" + x[0] + ", " + x[1] + ")";
    case B_NOT: return call("bool_not");
    case B_AND: return call("bool_and");
    case B_OR: return call("bool_or");
    case CVT_B_I: return "_mm256_andnot_ps(is_zero_bits(" + x[0] + "), splat(1))";
    case SELECT_B: return "select(" + x[0] + ", " + x[1] + ", " + x[2] + ")";
    case CVT_F_F:
      // An fp8 cast that only feeds a store is encoded there, unrounded (VOp::encode_at_store).
      return op.encode_at_store ? x[0] : round(op.dtype, x[0], op.saturate, fp8);
    case CVT_F_B: return call("f32_to_bool");
    case CVT_B_F: return call("bool_to_f32");
    case COPY:
    case BCAST: return x[0];
    case LITERAL: return "splat(" + std::to_string(op.lit) + "u)";
    default: return "";
  }
}

/** The store of register lanes `x` into output k of dtype d. */
std::string store(DType d, size_t k, const std::string& x, const VOp* cast) {
  const std::string dst = "out" + std::to_string(k) + ", e, n, ";
  if (cast != nullptr && cast->code == CVT_F_F && cast->encode_at_store)
    return "st_u8<TL>(" + dst + "fp8_encode(" + x + ", " + (cast->dtype == DType::E4M3FN ? "true" : "false") + ", " + (cast->saturate ? "true" : "false") + "))";
  switch (d) {
    case DType::F32:
    case DType::I32: return "st_f32<TL>(" + dst + x + ", st" + std::to_string(k) + ")";
    case DType::F16: return "st_u16<TL>(" + dst + "f16_codes(" + x + "))";
    case DType::BF16: return "st_u16<TL>(" + dst + "bf16_codes(" + x + "))";
    case DType::E4M3FN: return "st_u8<TL>(" + dst + "e4m3fn_codes(" + x + "))";
    case DType::E5M2: return "st_u8<TL>(" + dst + "e5m2_codes(" + x + "))";
    case DType::BOOL: return "st_u8<TL>(" + dst + "as_i(" + x + "))";
  }
  return "";
}

/**
 * Whether the kernel has a 16-lane form (jit_lanes.h w16): f32 and f16 values only, arithmetic
 * that w16 holds, sums and max-abs reductions, no views. The scaled optimizers' update kernels
 * qualify, and they are bound by arithmetic, not memory.
 */
bool w16_form(const JitProgram& p) {
  const size_t n_in = static_cast<size_t>(p.n_in);
  const auto wide = [](DType d) { return d == DType::F32 || d == DType::F16; };
  for (size_t r = 0; r < p.regs.size(); r++)
    if (!p.regs[r].scalar && (p.regs[r].view || !wide(p.regs[r].dtype))) return false;
  for (size_t j = 0; j < p.ops.size(); j++) {
    const VOp& op = p.ops[j];
    if (p.regs[n_in + j].scalar || op.unused) continue;
    switch (op.code) {
      case F_NEG: case F_ABS: case F_SQRT: case F_ADD: case F_SUB: case F_MUL: case F_DIV: case F_IPOW: case COPY: case BCAST: case LITERAL: break;
      case CVT_F_F:
        if (op.encode_at_store) return false;
        break;
      default: return false;
    }
    if (op.round && op.dtype != DType::F16) return false;
  }
  for (const Reduction& red : p.reductions)
    if (red.op != RedOp::Sum && red.op != RedOp::MaxAbs) return false;
  // An f16 output is stored from the codes its rounding made (w16 has no f16_codes).
  for (int o : p.outputs) {
    const size_t r = static_cast<size_t>(o);
    if (p.regs[r].scalar || p.regs[r].dtype != DType::F16) continue;
    if (r < n_in) return false;
    const VOp& op = p.ops[r - n_in];
    if (op.identity_when_one >= 0 || !(op.code == CVT_F_F || op.round)) return false;
  }
  return true;
}

}  // namespace

std::string jit_emit(const std::string& name, const JitProgram& p) {
#ifndef SCALIFY_SIMD_F16
  (void)name, (void)p;
  return "";
#else
  const size_t n_in = static_cast<size_t>(p.n_in);
  const size_t rank = p.shape.size();
  // Views: contiguous (last stride 1) or constant (0) along rows whose length is a multiple of 8,
  // so that a vector of 8 lanes never straddles two rows.
  const int64_t row_len = rank == 0 ? 1 : p.shape[rank - 1];
  bool any_view = false;
  for (const VOp& op : p.ops) {
    if (op.code != BCAST_VIEW) continue;
    any_view = true;
    const int64_t s = op.view_strides.empty() ? 0 : op.view_strides.back();
    if (rank == 0 || row_len % 8 != 0 || (s != 0 && s != 1)) return "";
  }
  std::set<std::string> fp8;
  std::ostringstream body, pre, tally;
  std::vector<bool> codes(p.regs.size(), false);  // registers whose f16 codes are at hand (h<r>)
  std::vector<std::string> ones;  // the flags of ops skipped when their rank-0 factor is 1
  std::vector<bool> read(p.regs.size(), false);
  for (size_t j = 0; j < p.ops.size(); j++)
    if (!p.regs[n_in + j].scalar && !p.ops[j].unused && p.ops[j].code != BCAST_VIEW)  // a view op reads its operand's memory itself
      for (int a : p.ops[j].args) read[static_cast<size_t>(a)] = true;
  for (int o : p.outputs) read[static_cast<size_t>(o)] = true;
  for (const Reduction& r : p.reductions) read[static_cast<size_t>(r.reg)] = true;
  // The counted casts, grouped by target (dtype, saturation): a group shares one counter, which
  // counts its vectors together after the group's last member (the update kernels of scaled Adam
  // count four f16 casts each).
  const auto counted = [&](size_t j) { return p.ops[j].count && p.ops[j].code == CVT_F_F && !p.regs[n_in + j].scalar && !p.ops[j].unused; };
  std::map<std::pair<int, bool>, std::vector<size_t>> groups;
  for (size_t j = 0; j < p.ops.size(); j++)
    if (counted(j)) groups[{static_cast<int>(p.ops[j].dtype), p.ops[j].saturate}].push_back(j);
  // Rank-0 registers: their run's values, broadcast once per block.
  for (size_t r = 0; r < p.regs.size(); r++)
    if (p.regs[r].scalar && read[r]) pre << "  const V " << reg(static_cast<int>(r)) << " = splat(a.sval[" << r << "]);\n";
  for (size_t i = 0; i < n_in; i++) {
    if (p.regs[i].scalar || !read[i]) continue;
    if (p.regs[i].view) return "";  // read other than through a view op
    body << "    const V " << reg(static_cast<int>(i)) << " = " << load(p.regs[i].dtype, "in" + std::to_string(i), "e", "n", "TL") << ";\n";
  }
  for (size_t j = 0; j < p.ops.size(); j++) {
    const VOp& op = p.ops[j];
    const size_t r = n_in + j;
    if (p.regs[r].scalar || op.unused) continue;
    const std::string js = std::to_string(j);
    std::string expr;
    if (op.code == BCAST_VIEW) {
      const size_t in = static_cast<size_t>(op.view_input);
      const std::string ptr = "in" + std::to_string(in), row = "vrow" + js;
      expr = op.view_strides.back() == 1 ? load(p.regs[in].dtype, ptr, row + " + col", "8", "false") : "lane0(" + load(p.regs[in].dtype, ptr, row, "1", "true") + ")";
      // The view's offset of the current row: Σ idx_d · stride_d over the leading dims.
      pre << "  auto row_of" << js << " = [](int64_t q) {\n    int64_t off = 0;\n";
      for (size_t d = rank - 1; d-- > 0;) {
        pre << "    off += (q % " << p.shape[d] << ") * " << op.view_strides[d] << ";\n";
        if (d > 0) pre << "    q /= " << p.shape[d] << ";\n";
      }
      pre << "    return off;\n  };\n  int64_t " << row << " = row_of" << js << "(row);\n";
    } else if (p.regs[r].dtype == DType::F16 && op.identity_when_one < 0 && (op.code == CVT_F_F ? !op.encode_at_store : op.round)) {
      // Rounded to f16: the codes are kept, and a store of the value writes them (f16_codes of the
      // image gives them back, NaNs included) instead of converting again.
      const std::string unrounded = op.code == CVT_F_F ? reg(op.args[0]) : op_expr(op, static_cast<int>(j), p, fp8);
      if (unrounded.empty()) return "";
      body << "    const HV h" << r << " = f16_round_codes(" << unrounded << ");\n";
      expr = "f16_rounded_image(h" + std::to_string(r) + ")";
      codes[r] = true;
    } else {
      expr = op_expr(op, static_cast<int>(j), p, fp8);
      if (expr.empty()) return "";
      if (op.round && op.code != CVT_F_F) expr = round(op.dtype, expr, false, fp8);
    }
    if (counted(j)) {
      // A counted float cast counts its operand's lanes (bool → float gives exact 0 and 1: nothing
      // to count; int → float has no compiled form).
      const std::vector<size_t>& group = groups.at({static_cast<int>(op.dtype), op.saturate});
      const std::string cnt = "cnt" + std::to_string(group.front());
      if (group.front() == j) {
        const CastClasses& c = cast_classes(op.dtype, op.saturate);
        pre << "  CastCounter<" << c.flush_max << "u, " << c.overflow << "u> " << cnt << ";\n";
        tally << "  if (a.tally != nullptr) " << cnt << ".flush(*a.tally, static_cast<DType>(" << static_cast<int>(op.dtype) << "), fused::CastClasses{" << c.flush_max << "u, "
              << c.overflow << "u, " << c.overflow_stays << "u, " << c.inf_stays << "u, " << c.nan_stays << "u});\n";
      }
      body << "    const VI m" << js << " = COUNT ? count_bits<TL>(" << reg(op.args[0]) << ", n) : VI{};\n";
      if (group.back() == j) {
        std::string ms;
        for (size_t k : group) ms += (ms.empty() ? "m" : ", m") + std::to_string(k);
        body << "    if (COUNT) " << cnt << ".count(" << ms << ");\n";
      }
    }
    if (op.identity_when_one >= 0) {
      const int x = op.args[static_cast<size_t>(1 - op.identity_when_one)];
      pre << "  const bool one" << js << " = a.one[" << j << "];\n";
      expr = "(ONES || one" + js + ") ? " + reg(x) + " : " + expr;
      ones.push_back("one" + js);
    }
    if (op.code == F_DIV && (op.scalar_args & 2u) && p.regs[static_cast<size_t>(op.args[1])].scalar)
      pre << "  const bool rc" << js << " = a.reciprocal[" << j << "] != 0.0f;\n  const V rcv" << js << " = splat_f(a.reciprocal[" << j << "]);\n";
    body << "    const V " << reg(static_cast<int>(r)) << " = " << expr << ";\n";
  }
  for (size_t k = 0; k < p.outputs.size(); k++) {
    const size_t r = static_cast<size_t>(p.outputs[k]);
    if (p.regs[r].scalar) continue;  // stored by FusedKernel::run
    if (p.regs[r].view) return "";
    const VOp* op = r >= n_in ? &p.ops[r - n_in] : nullptr;
    if (codes[r]) body << "    st_u16<TL>(out" << k << ", e, n, h" << r << ");\n";
    else body << "    " << store(p.regs[r].dtype, k, reg(static_cast<int>(r)), op) << ";\n";
    if (p.regs[r].dtype == DType::F32 || p.regs[r].dtype == DType::I32)
      pre << "  const bool st" << k << " = a.stream[" << k << "] && (reinterpret_cast<uintptr_t>(static_cast<float*>(a.out[" << k << "]) + a.start) & 31) == 0;\n";
  }
  for (size_t q = 0; q < p.reductions.size(); q++) {
    const Reduction& red = p.reductions[q];
    if (p.regs[static_cast<size_t>(red.reg)].view) return "";
    const char* acc = red.op == RedOp::Sum ? "SumAcc" : red.op == RedOp::Max ? "ExtremeAcc<true>" : red.op == RedOp::Min ? "ExtremeAcc<false>" : "MaxAbsAcc";
    pre << "  " << acc << " red" << q << ";\n";
    body << "    red" << q << ".add<TL>(" << reg(red.reg) << ", n);\n";
  }
  for (const std::string& f : fp8) {
    const bool e4 = f.rfind("e4m3fn", 0) == 0;
    pre << "  const simd::Fp8Rounding round_" << f << "_obj(" << (e4 ? "true" : "false") << ", " << (f.find("_sat") != std::string::npos ? "true" : "false") << ", a.T->"
        << (e4 ? "e4m3fn" : "e5m2") << ");\n  auto round_" << f << " = [&](V v) SCALIFY_INLINE { return round_" << f << "_obj(v); };\n";
  }
  std::ostringstream out;
  out << "extern \"C\" void " << name << "(const jit::Args& a) {\n";
  // The lane library: 16 lanes where the compiler targets AVX-512 and the kernel has that form.
  if (w16_form(p)) out << "#if SCALIFY_JIT_W16\n  using namespace scalify::jit::w16;\n#else\n  using namespace scalify::jit::w8;\n#endif\n";
  else out << "  using namespace scalify::jit::w8;\n";
  // The buffers in locals: read through `a` after every store (which might alias it), they were
  // loaded again for each vector.
  for (size_t i = 0; i < n_in; i++) out << "  const void* const in" << i << " = a.in[" << i << "];\n";
  for (size_t k = 0; k < p.outputs.size(); k++) out << "  void* const out" << k << " = a.out[" << k << "];\n";
  if (any_view) out << "  int64_t row = a.start / " << row_len << ", col = a.start % " << row_len << ";\n";
  out << pre.str();
  out << "  auto body = [&](int64_t e, int n, auto tail, auto ones, auto count) SCALIFY_INLINE {\n    constexpr bool TL = decltype(tail)::value, ONES = decltype(ones)::value, COUNT = decltype(count)::value;\n    (void)n;\n";
  if (any_view) {
    out << "    if (col == " << row_len << ") {\n      col = 0;\n      row++;\n";
    for (size_t j = 0; j < p.ops.size(); j++)
      if (p.ops[j].code == BCAST_VIEW && !p.regs[n_in + j].scalar) out << "      vrow" << j << " = row_of" << j << "(row);\n";
    out << "    }\n";
  }
  out << body.str();
  if (any_view) out << "    col += kLanes;\n";
  out << "  };\n  auto blocks = [&](auto ones, auto count) SCALIFY_INLINE {\n    int i = 0;\n    for (; i + kLanes <= a.L; i += kLanes) body(a.start + i, kLanes, std::false_type{}, ones, count);\n";
  out << "    if (i < a.L) body(a.start + i, a.L - i, std::true_type{}, ones, count);\n  };\n";
  // A copy of the loop for counting runs: uncounted ones skip the counters' tests altogether.
  if (tally.str().empty()) out << "  auto run = [&](auto ones) SCALIFY_INLINE { blocks(ones, std::false_type{}); };\n";
  else out << "  auto run = [&](auto ones) SCALIFY_INLINE { a.tally != nullptr ? blocks(ones, std::true_type{}) : blocks(ones, std::false_type{}); };\n";
  // The usual run of a scaled program: every scale ratio is 1 (no scale changed), and a copy of
  // the loop without those multiplications or their tests runs.
  if (ones.empty()) {
    out << "  run(std::false_type{});\n";
  } else {
    out << "  if (";
    for (size_t k = 0; k < ones.size(); k++) out << (k ? " && " : "") << ones[k];
    out << ") run(std::true_type{});\n  else run(std::false_type{});\n";
  }
  for (size_t q = 0; q < p.reductions.size(); q++) out << "  a.partial[" << q << "] = red" << q << ".result();\n";
  out << tally.str();
  out << "}\n";
  return out.str();
#endif
}

}  // namespace fused
}  // namespace scalify
