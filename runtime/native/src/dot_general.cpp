// dot_general (runtime/kernels/dot-general.ts): output dims = batch dims, lhs free dims, rhs free
// dims. Float operands (any float dtypes, decoded on the fly) go to gemm::gemm as
// [B, M, K] · [B, K, N] with strides; when a group of dims (batch, free or contracting) is not
// laid out as one stride, that operand's codes are first transposed into the canonical layout
// (a copy of codes, not a decode). i32 operands accumulate in i32 and wrap. The result is
// rounded once to the output dtype. A folded scale (`alpha`, lowering only: the lowering folds
// `mul(dot_general(a, b), s)` for an f32 result and a rank-0 f32 s) multiplies the f32 sum.
// A folded cast (`lhs_round` / `rhs_round` {dtype: an fp8 format, saturate}, lowering only: the
// lowering folds `dot_general(convert_element_type(x), …)`) rounds the operand's decoded
// elements to that format as the gemm packs them: the product sees exactly the values the cast
// would have stored, without the cast's pass over memory.
#include <algorithm>
#include <cstring>
#include <vector>

#include "copy.h"
#include "gemm/gemm.h"
#include "simd.h"
#include "thread_pool.h"

namespace scalify {

namespace {

void need(bool ok, const std::string& msg) {
  if (!ok) fail(msg);
}

/** One operand's view as [B, R, C] (rows R, columns C), or a permutation to copy into that layout. */
struct View {
  int64_t b = 1, r = 1, c = 1;
  int64_t bs = 0, rs = 0, cs = 0;
  bool contiguous_groups = true;
  std::vector<int64_t> perm;  // operand dims in [batch…, row…, col…] order
};

/** The size and stride of a group of dims, when they collapse to one stride. */
bool merge(const Aval& a, const Shape& st, const std::vector<int64_t>& dims, int64_t* size, int64_t* stride) {
  *size = 1;
  *stride = 0;
  int64_t prev_stride = -1;
  bool ok = true;
  for (int64_t d : dims) {
    const int64_t n = a.shape[static_cast<size_t>(d)];
    *size *= n;  // the full size even when the dims do not collapse (the operand is then copied)
    if (n == 1) continue;
    const int64_t s = st[static_cast<size_t>(d)];
    if (prev_stride >= 0 && prev_stride != s * n) ok = false;
    prev_stride = s;
    *stride = s;
  }
  return ok;
}

View make_view(const Aval& a, const std::vector<int64_t>& batch, const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  View v;
  const Shape st = row_major_strides(a.shape);
  bool ok = merge(a, st, batch, &v.b, &v.bs);
  ok = merge(a, st, rows, &v.r, &v.rs) && ok;
  ok = merge(a, st, cols, &v.c, &v.cs) && ok;
  v.contiguous_groups = ok;
  v.perm = batch;
  v.perm.insert(v.perm.end(), rows.begin(), rows.end());
  v.perm.insert(v.perm.end(), cols.begin(), cols.end());
  return v;
}

void round_e4m3fn(float* x, int64_t n) { simd::round_fp8(x, n, true, false, decode_tables().e4m3fn); }
void round_e4m3fn_sat(float* x, int64_t n) { simd::round_fp8(x, n, true, true, decode_tables().e4m3fn); }
void round_e5m2(float* x, int64_t n) { simd::round_fp8(x, n, false, false, decode_tables().e5m2); }
void round_e5m2_sat(float* x, int64_t n) { simd::round_fp8(x, n, false, true, decode_tables().e5m2); }

/** A folded cast: the dtype the operand is rounded to (its own dtype when none) and the map. */
struct Rounding {
  DType dtype;
  gemm::ElementMap map = nullptr;
};

Rounding parse_rounding(const PVal& p, const char* key, const Aval& x, const std::string& ctx) {
  const PVal* r = p.find(key);
  if (r == nullptr || r->kind == PVal::Null) return Rounding{x.dtype};
  const std::string what = ctx + " " + key;
  need(r->kind == PVal::Obj, what + ": must be {dtype, saturate}");
  const DType d = p_dtype(r->at("dtype", what), what, "dtype");
  const bool sat = p_bool(r->at("saturate", what), what, "saturate");
  need(d == DType::E4M3FN || d == DType::E5M2, what + ": rounds to f8e4m3fn or f8e5m2, not " + dtype_name(d));
  need(is_float(x.dtype), what + ": the operand must be a float, got " + aval_str(x));
  if (d == DType::E4M3FN) return Rounding{d, sat ? &round_e4m3fn_sat : &round_e4m3fn};
  return Rounding{d, sat ? &round_e5m2_sat : &round_e5m2};
}

/** Canonical copy of an operand's codes in [batch, rows, cols] order. */
std::vector<uint8_t> canonical_copy(const Buf& x, const View& v) {
  const Aval& a = *x.aval;
  const int es = item_size(a.dtype);
  const Shape st = row_major_strides(a.shape);
  Shape shape, strides;
  for (int64_t d : v.perm) {
    shape.push_back(a.shape[static_cast<size_t>(d)]);
    strides.push_back(st[static_cast<size_t>(d)]);
  }
  std::vector<uint8_t> out(static_cast<size_t>(x.n * es));
  strided_copy(x.data, 0, strides, out.data(), shape, es);
  return out;
}

class DotGeneral : public Kernel {
 public:
  DotGeneral(View l, View r, bool alpha, gemm::ElementMap lmap, gemm::ElementMap rmap)
      : l_(std::move(l)), r_(std::move(r)), alpha_(alpha), lmap_(lmap), rmap_(rmap) {}

  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& A = *ins[0].aval;
    const Aval& Bv = *ins[1].aval;
    const Aval& O = *outs[0].aval;
    const int64_t nb = l_.b, M = l_.r, K = l_.c, N = r_.c;
    if (outs[0].n == 0) return;
    // Operands in canonical layout when their dims do not collapse to strides.
    std::vector<uint8_t> acopy, bcopy;
    const void* ad = ins[0].data;
    const void* bd = ins[1].data;
    int64_t abs_ = l_.bs, ars = l_.rs, acs = l_.cs, bbs = r_.bs, brs = r_.rs, bcs = r_.cs;
    if (!l_.contiguous_groups) {
      acopy = canonical_copy(ins[0], l_);
      ad = acopy.data();
      abs_ = M * K, ars = K, acs = 1;
    }
    if (!r_.contiguous_groups) {
      bcopy = canonical_copy(ins[1], r_);
      bd = bcopy.data();
      bbs = K * N, brs = N, bcs = 1;
    }
    if (A.dtype == DType::I32) {
      int_dot(static_cast<const int32_t*>(ad), abs_, ars, acs, static_cast<const int32_t*>(bd), bbs, brs, bcs, nb, M, N, K, outs[0]);
      return;
    }
    const bool direct = O.dtype == DType::F32;
    std::vector<float> tmp;
    float* c = outs[0].as<float>();
    if (!direct) {
      tmp.resize(static_cast<size_t>(outs[0].n));
      c = tmp.data();
    }
    gemm::GemmArgs g;
    g.batch = nb;
    g.M = M;
    g.N = N;
    g.K = K;
    g.a = gemm::Operand{ad, static_cast<gemm::ElemType>(A.dtype), ars, acs, abs_, lmap_};
    g.b = gemm::Operand{bd, static_cast<gemm::ElemType>(Bv.dtype), brs, bcs, bbs, rmap_};
    g.c = c;
    g.ldc = N;
    g.c_batch_stride = M * N;
    g.alpha = alpha_ ? *ins[2].as<float>() : 1.0f;
    g.accumulate = false;
    g.use_threads = true;
    gemm::gemm(g);
    if (!direct) store(tmp.data(), outs[0]);
  }

 private:
  /** f32 results → the output dtype, rounded once (reference encoders; → i32 truncates and saturates). */
  static void store(const float* v, const Buf& out) {
    const int64_t n = out.n;
    switch (out.aval->dtype) {
      case DType::F16: { auto* o = out.as<uint16_t>(); for (int64_t i = 0; i < n; i++) o[i] = encode_f16(f32_bits(v[i])); break; }
      case DType::BF16: { auto* o = out.as<uint16_t>(); for (int64_t i = 0; i < n; i++) o[i] = encode_bf16(f32_bits(v[i])); break; }
      case DType::E4M3FN: simd::encode_fp8(reinterpret_cast<const uint32_t*>(v), out.as<uint8_t>(), n, true, false); break;
      case DType::E5M2: simd::encode_fp8(reinterpret_cast<const uint32_t*>(v), out.as<uint8_t>(), n, false, false); break;
      case DType::I32: { auto* o = out.as<int32_t>(); for (int64_t i = 0; i < n; i++) o[i] = to_i32(v[i]); break; }
      case DType::BOOL: { auto* o = out.as<uint8_t>(); for (int64_t i = 0; i < n; i++) o[i] = v[i] != 0; break; }
      default: std::memcpy(out.data, v, static_cast<size_t>(n) * 4);
    }
  }

  static void int_dot(const int32_t* a, int64_t abs_, int64_t ars, int64_t acs, const int32_t* b, int64_t bbs, int64_t brs, int64_t bcs, int64_t nb, int64_t M,
                      int64_t N, int64_t K, const Buf& out) {
    std::vector<int32_t> acc(static_cast<size_t>(nb * M * N));
    ThreadPool::instance().parallel_for(nb * M, std::max<int64_t>(1, 65536 / std::max<int64_t>(N * K, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t rm = r0; rm < r1; rm++) {
        const int64_t bi = rm / M, m = rm % M;
        for (int64_t n = 0; n < N; n++) {
          uint32_t s = 0;
          for (int64_t k = 0; k < K; k++)
            s += static_cast<uint32_t>(a[bi * abs_ + m * ars + k * acs]) * static_cast<uint32_t>(b[bi * bbs + k * brs + n * bcs]);
          acc[static_cast<size_t>(rm * N + n)] = static_cast<int32_t>(s);
        }
      }
    });
    const int64_t n = out.n;
    // An i32 sum converted like a cast: → f32 rounds to nearest even, then to the dtype.
    switch (out.aval->dtype) {
      case DType::I32: std::memcpy(out.data, acc.data(), static_cast<size_t>(n) * 4); break;
      case DType::BOOL: { auto* o = out.as<uint8_t>(); for (int64_t i = 0; i < n; i++) o[i] = acc[static_cast<size_t>(i)] != 0; break; }
      default: {
        std::vector<float> f(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; i++) f[static_cast<size_t>(i)] = static_cast<float>(acc[static_cast<size_t>(i)]);
        store(f.data(), out);
      }
    }
  }

  View l_, r_;
  bool alpha_;
  gemm::ElementMap lmap_, rmap_;
};

DType promote(DType a, DType b) {
  if (a == b) return a;
  return DType::F32;  // two different floats (fp8 never reaches here: it gives f32 anyway)
}

}  // namespace

KernelPtr make_dot_general(const PVal& p, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string ctx = "dot_general";
  outs->clear();
  bool alpha = false;
  if (const PVal* a = p.find("alpha")) alpha = p_bool(*a, ctx, "alpha");
  need(ins.size() == (alpha ? 3u : 2u), ctx + ": takes 2 operands, got " + std::to_string(ins.size()));
  const Aval& a = ins[0];
  const Aval& b = ins[1];
  need(is_float(a.dtype) == is_float(b.dtype), ctx + ": cannot mix " + aval_str(a) + " and " + aval_str(b));
  need(is_float(a.dtype) || a.dtype == b.dtype, ctx + ": integer operands must match: " + aval_str(a) + ", " + aval_str(b));
  need(a.dtype != DType::BOOL, ctx + ": bool operands");
  const auto& dn = p_arr(p.at("dimension_numbers", ctx), ctx, "dimension_numbers");
  need(dn.size() == 2, ctx + ": dimension_numbers must be [[lhs_contract, rhs_contract], [lhs_batch, rhs_batch]]");
  const auto& cpair = p_arr(dn[0], ctx, "dimension_numbers[0]");
  const auto& bpair = p_arr(dn[1], ctx, "dimension_numbers[1]");
  need(cpair.size() == 2 && bpair.size() == 2, ctx + ": dimension_numbers must be [[lhs_contract, rhs_contract], [lhs_batch, rhs_batch]]");
  const auto lc = p_ints(cpair[0], ctx, "lhs contracting dims", 0, INT32_MAX);
  const auto rc = p_ints(cpair[1], ctx, "rhs contracting dims", 0, INT32_MAX);
  const auto lb = p_ints(bpair[0], ctx, "lhs batch dims", 0, INT32_MAX);
  const auto rb = p_ints(bpair[1], ctx, "rhs batch dims", 0, INT32_MAX);
  auto check = [&](const std::vector<int64_t>& c, const std::vector<int64_t>& bt, const Aval& x, const char* what) {
    std::vector<bool> seen(x.shape.size(), false);
    for (const auto* v : {&c, &bt})
      for (int64_t d : *v) {
        need(d < x.rank(), ctx + ": " + what + " contracting+batch dims out of range for rank " + std::to_string(x.rank()));
        need(!seen[static_cast<size_t>(d)], ctx + ": " + what + " contracting+batch dims repeat an axis");
        seen[static_cast<size_t>(d)] = true;
      }
  };
  check(lc, lb, a, "lhs");
  check(rc, rb, b, "rhs");
  need(lc.size() == rc.size() && lb.size() == rb.size(), ctx + ": dimension_numbers pair unequal counts");
  for (size_t i = 0; i < lc.size(); i++) need(a.shape[static_cast<size_t>(lc[i])] == b.shape[static_cast<size_t>(rc[i])], ctx + ": contracting dims differ");
  for (size_t i = 0; i < lb.size(); i++) need(a.shape[static_cast<size_t>(lb[i])] == b.shape[static_cast<size_t>(rb[i])], ctx + ": batch dims differ");
  // The result dtype is the one of the program's dot_general, whose operands were the casts.
  const Rounding lr = parse_rounding(p, "lhs_round", a, ctx), rr = parse_rounding(p, "rhs_round", b, ctx);
  const PVal& pref = p.at("preferred_element_type", ctx);
  DType out;
  if (pref.kind != PVal::Null) out = p_dtype(pref, ctx, "preferred_element_type");
  else if (lr.dtype == DType::E4M3FN || lr.dtype == DType::E5M2 || rr.dtype == DType::E4M3FN || rr.dtype == DType::E5M2) out = DType::F32;
  else out = promote(a.dtype, b.dtype);
  if (alpha) {
    need(out == DType::F32 && is_float(a.dtype), ctx + ": a folded scale needs an f32 result of float operands");
    need(ins[2].dtype == DType::F32 && ins[2].rank() == 0, ctx + ": the folded scale must be an f32 scalar operand");
  }
  auto free_dims = [](const Aval& x, const std::vector<int64_t>& c, const std::vector<int64_t>& bt) {
    std::vector<int64_t> f;
    for (int64_t d = 0; d < x.rank(); d++)
      if (std::find(c.begin(), c.end(), d) == c.end() && std::find(bt.begin(), bt.end(), d) == bt.end()) f.push_back(d);
    return f;
  };
  const auto lf = free_dims(a, lc, lb);
  const auto rf = free_dims(b, rc, rb);
  Aval o{out, {}};
  for (int64_t d : lb) o.shape.push_back(a.shape[static_cast<size_t>(d)]);
  for (int64_t d : lf) o.shape.push_back(a.shape[static_cast<size_t>(d)]);
  for (int64_t d : rf) o.shape.push_back(b.shape[static_cast<size_t>(d)]);
  checked_size(o.shape, ctx.c_str());
  outs->push_back(o);
  return KernelPtr(new DotGeneral(make_view(a, lb, lf, lc), make_view(b, rb, rc, rf), alpha, lr.map, rr.map));
}

}  // namespace scalify
