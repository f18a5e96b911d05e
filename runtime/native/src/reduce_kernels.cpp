// Reductions (runtime/kernels/reduce.ts): reduce_sum, reduce_prod, reduce_max, reduce_min over a
// set of axes, argmax/argmin along one axis, cumsum. Floats accumulate in f32 and are rounded
// once to the output dtype; i32 accumulates in i32 and wraps (DESIGN.md "Edge semantics").
// Sums may be reassociated (several partial sums per row, within the contract
// K·2^-24·Σ|x|); products, max/min, argmax/argmin and cumsum follow the reference's order, so
// they agree with it bit for bit. A reduce_sum may carry a folded f32 scale (`alpha`: the
// lowering folds `mul(reduce_sum(x), s)` for a rank-0 f32 s), applied as fround(sum · s).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core.h"
#include "extreme.h"
#include "partial_sums.h"
#include "simd.h"
#include "thread_pool.h"

namespace scalify {

namespace {

enum class ROp { Sum, Prod, Max, Min };

/** Decodes L elements of a float dtype starting at element i into dst. */
void decode_f(DType d, const void* p, int64_t i, int64_t L, float* dst, const DecodeTables& T) {
  switch (d) {
    case DType::F32: std::memcpy(dst, static_cast<const float*>(p) + i, static_cast<size_t>(L) * 4); break;
    case DType::F16: simd::decode_f16(static_cast<const uint16_t*>(p) + i, dst, L, T); break;
    case DType::BF16: { const uint16_t* s = static_cast<const uint16_t*>(p) + i; for (int64_t j = 0; j < L; j++) dst[j] = decode_bf16(s[j]); break; }
    case DType::E4M3FN: simd::decode_u8(static_cast<const uint8_t*>(p) + i, T.e4m3fn, dst, L); break;
    default: simd::decode_u8(static_cast<const uint8_t*>(p) + i, T.e5m2, dst, L); break;
  }
}

/** f32 values → storage of a float dtype (reference rounding: runtime/numerics encode). */
void encode_f(DType d, const float* v, int64_t n, void* p) {
  switch (d) {
    case DType::F32: std::memcpy(p, v, static_cast<size_t>(n) * 4); break;
    case DType::F16: { uint16_t* o = static_cast<uint16_t*>(p); for (int64_t i = 0; i < n; i++) o[i] = encode_f16(f32_bits(v[i])); break; }
    case DType::BF16: { uint16_t* o = static_cast<uint16_t*>(p); for (int64_t i = 0; i < n; i++) o[i] = encode_bf16(f32_bits(v[i])); break; }
    case DType::E4M3FN: simd::encode_fp8(reinterpret_cast<const uint32_t*>(v), static_cast<uint8_t*>(p), n, true, false); break;
    default: simd::encode_fp8(reinterpret_cast<const uint32_t*>(v), static_cast<uint8_t*>(p), n, false, false); break;
  }
}

struct Group {
  int64_t size;
  bool reduced;
  int64_t x_stride;    // elements of x per step of this group
  int64_t out_stride;  // elements of the output per step (0 for reduced groups)
};

constexpr int CHUNK = 256;

/** Sum of L contiguous elements in partial sums (vectorisable; order differs from the reference). */
template <class Sums>
float row_sum_in(DType d, const void* p, int64_t i0, int64_t L, const DecodeTables& T) {
  Sums sum;
  float buf[CHUNK];
  for (int64_t c = 0; c < L; c += CHUNK) {
    const int64_t n = std::min<int64_t>(CHUNK, L - c);
    if (d == DType::F32) {
      sum.add(static_cast<const float*>(p) + i0 + c, n);
    } else {
      decode_f(d, p, i0 + c, n, buf, T);
      sum.add(buf, n);
    }
  }
  return sum.total();
}

float row_sum(DType d, const void* p, int64_t i0, int64_t L, const DecodeTables& T) {
  return L < 128 ? row_sum_in<PartialSums<8>>(d, p, i0, L, T) : row_sum_in<PartialSums<32>>(d, p, i0, L, T);
}

class Reduce : public Kernel {
 public:
  Reduce(ROp op, std::vector<Group> groups, bool alpha) : op_(op), groups_(std::move(groups)), alpha_(alpha) {}

  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const Aval& o = *outs[0].aval;
    const int64_t n_out = outs[0].n;
    const bool integer = x.dtype == DType::I32;
    std::vector<float> accf;
    int32_t* acci = nullptr;
    if (integer) {
      acci = outs[0].as<int32_t>();
      std::fill(acci, acci + n_out, init_i());
    } else {
      accf.assign(static_cast<size_t>(n_out), init_f(x.dtype));
    }
    if (ins[0].n > 0) {
      // Split the work over the largest kept group (disjoint outputs), or, for a full
      // reduction, over fixed chunks combined in order (deterministic for any thread count).
      int split = -1;
      for (size_t g = 0; g < groups_.size(); g++)
        if (!groups_[g].reduced && (split < 0 || groups_[g].size > groups_[static_cast<size_t>(split)].size)) split = static_cast<int>(g);
      if (split >= 0) {
        const int64_t extent = groups_[static_cast<size_t>(split)].size;
        const int64_t per = std::max<int64_t>(1, ins[0].n / extent);
        ThreadPool::instance().parallel_for(extent, std::max<int64_t>(1, 65536 / per), [&](int64_t lo, int64_t hi) {
          range(ins[0], accf.data(), acci, split, lo, hi);
        });
      } else {
        full(ins[0], accf.data(), acci);
      }
    }
    if (!integer) {
      if (alpha_) {
        const float s = *ins[1].as<float>();
        for (auto& v : accf) v = v * s;
      }
      encode_f(o.dtype, accf.data(), n_out, outs[0].data);
    }
  }

 private:
  float init_f(DType d) const {
    switch (op_) {
      case ROp::Sum: return 0.0f;
      case ROp::Prod: return 1.0f;
      // Empty max/min: −Inf/+Inf, or ∓448 for f8e4m3fn, which has no infinities.
      case ROp::Max: return d == DType::E4M3FN ? -448.0f : -INFINITY;
      default: return d == DType::E4M3FN ? 448.0f : INFINITY;
    }
  }
  int32_t init_i() const {
    switch (op_) {
      case ROp::Sum: return 0;
      case ROp::Prod: return 1;
      case ROp::Max: return INT32_MIN;
      default: return INT32_MAX;
    }
  }

  static inline float step_f(ROp op, float a, float v) {
    switch (op) {
      case ROp::Sum: return a + v;
      case ROp::Prod: return a * v;
      case ROp::Max: return fmax_ref(a, v);
      default: return fmin_ref(a, v);
    }
  }
  static inline int32_t step_i(ROp op, int32_t a, int32_t v) {
    switch (op) {
      case ROp::Sum: return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(v));
      case ROp::Prod: return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(v));
      case ROp::Max: return a > v ? a : v;
      default: return a < v ? a : v;
    }
  }

  /** The reduction restricted to indices [lo, hi) of group `split` (all of the others). */
  void range(const Buf& xb, float* accf, int32_t* acci, int split, int64_t lo, int64_t hi) const {
    const DecodeTables& T = decode_tables();
    const size_t ng = groups_.size();
    const Group& last = groups_[ng - 1];
    std::vector<int64_t> begin(ng, 0), end(ng);
    for (size_t g = 0; g < ng; g++) end[g] = groups_[g].size;
    begin[static_cast<size_t>(split)] = lo;
    end[static_cast<size_t>(split)] = hi;
    const int64_t L = end[ng - 1] - begin[ng - 1];
    // Odometer over the groups before the last.
    std::vector<int64_t> idx(begin.begin(), begin.end());
    int64_t xo = 0, oo = 0;
    for (size_t g = 0; g < ng; g++) {
      xo += begin[g] * groups_[g].x_stride;
      oo += begin[g] * groups_[g].out_stride;
    }
    for (size_t g = 0; g + 1 < ng; g++)
      if (begin[g] >= end[g]) return;
    if (L <= 0) return;
    const DType d = xb.aval->dtype;
    float buf[CHUNK];
    for (;;) {
      if (acci != nullptr) {
        const int32_t* x = xb.as<int32_t>() + xo;
        if (last.reduced) {
          int32_t a = acci[oo];
          for (int64_t j = 0; j < L; j++) a = step_i(op_, a, x[j]);
          acci[oo] = a;
        } else {
          int32_t* a = acci + oo;
          for (int64_t j = 0; j < L; j++) a[j] = step_i(op_, a[j], x[j]);
        }
      } else if (last.reduced) {
        if (op_ == ROp::Sum) {
          accf[oo] = accf[oo] + row_sum(d, xb.data, xo, L, T);
        } else {
          float a = accf[oo];
          for (int64_t c = 0; c < L; c += CHUNK) {
            const int64_t n = std::min<int64_t>(CHUNK, L - c);
            const float* v = buf;
            if (d == DType::F32) v = xb.as<float>() + xo + c;
            else decode_f(d, xb.data, xo + c, n, buf, T);
            if (op_ == ROp::Prod) for (int64_t j = 0; j < n; j++) a = a * v[j];
            else a = fold_extreme(op_ == ROp::Max, a, v, n);
          }
          accf[oo] = a;
        }
      } else {
        for (int64_t c = 0; c < L; c += CHUNK) {
          const int64_t n = std::min<int64_t>(CHUNK, L - c);
          decode_f(d, xb.data, xo + c, n, buf, T);
          float* a = accf + oo + c;
          switch (op_) {
            case ROp::Sum: for (int64_t j = 0; j < n; j++) a[j] = a[j] + buf[j]; break;
            case ROp::Prod: for (int64_t j = 0; j < n; j++) a[j] = a[j] * buf[j]; break;
            case ROp::Max: for (int64_t j = 0; j < n; j++) a[j] = fmax_ref(a[j], buf[j]); break;
            default: for (int64_t j = 0; j < n; j++) a[j] = fmin_ref(a[j], buf[j]); break;
          }
        }
      }
      // Next row.
      int g = static_cast<int>(ng) - 2;
      for (; g >= 0; g--) {
        const size_t gu = static_cast<size_t>(g);
        if (++idx[gu] < end[gu]) {
          xo += groups_[gu].x_stride;
          oo += groups_[gu].out_stride;
          break;
        }
        xo -= (end[gu] - 1 - begin[gu]) * groups_[gu].x_stride;
        oo -= (end[gu] - 1 - begin[gu]) * groups_[gu].out_stride;
        idx[gu] = begin[gu];
      }
      if (g < 0) return;
    }
  }

  /** A full reduction to one value: fixed chunks in parallel, partial results combined in order. */
  void full(const Buf& xb, float* accf, int32_t* acci) const {
    const int64_t n = xb.n;
    const int64_t chunk = 1 << 16;
    const int64_t nc = (n + chunk - 1) / chunk;
    const DecodeTables& T = decode_tables();
    if (acci != nullptr) {
      std::vector<int32_t> part(static_cast<size_t>(nc), init_i());
      ThreadPool::instance().parallel_for(nc, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; c++) {
          const int32_t* x = xb.as<int32_t>() + c * chunk;
          const int64_t m = std::min(chunk, n - c * chunk);
          int32_t a = init_i();
          for (int64_t j = 0; j < m; j++) a = step_i(op_, a, x[j]);
          part[static_cast<size_t>(c)] = a;
        }
      });
      for (int32_t p : part) acci[0] = step_i(op_, acci[0], p);
      return;
    }
    if (op_ == ROp::Prod) {
      // Products keep the reference's order, so they agree bit for bit.
      float buf[CHUNK];
      float a = accf[0];
      for (int64_t k = 0; k < n; k += CHUNK) {
        const int64_t L = std::min<int64_t>(CHUNK, n - k);
        decode_f(xb.aval->dtype, xb.data, k, L, buf, T);
        for (int64_t j = 0; j < L; j++) a = a * buf[j];
      }
      accf[0] = a;
      return;
    }
    std::vector<float> part(static_cast<size_t>(nc), init_f(xb.aval->dtype));
    ThreadPool::instance().parallel_for(nc, 1, [&](int64_t c0, int64_t c1) {
      float buf[CHUNK];
      for (int64_t c = c0; c < c1; c++) {
        const int64_t m = std::min(chunk, n - c * chunk);
        if (op_ == ROp::Sum) {
          part[static_cast<size_t>(c)] = row_sum(xb.aval->dtype, xb.data, c * chunk, m, T);
          continue;
        }
        float a = init_f(xb.aval->dtype);
        for (int64_t k = 0; k < m; k += CHUNK) {
          const int64_t L = std::min<int64_t>(CHUNK, m - k);
          const float* v = buf;
          if (xb.aval->dtype == DType::F32) v = xb.as<float>() + c * chunk + k;
          else decode_f(xb.aval->dtype, xb.data, c * chunk + k, L, buf, T);
          a = fold_extreme(op_ == ROp::Max, a, v, L);
        }
        part[static_cast<size_t>(c)] = a;
      }
    });
    for (float p : part) accf[0] = step_f(op_, accf[0], p);
  }

  ROp op_;
  std::vector<Group> groups_;
  bool alpha_;
};

/** argmax/argmin along one axis: the first extreme; NaN counts as the extreme (the first NaN wins). */
class ArgExtreme : public Kernel {
 public:
  ArgExtreme(bool is_max, int64_t axis) : max_(is_max), axis_(axis) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    int64_t outer = 1, inner = 1;
    const int64_t n = x.shape[static_cast<size_t>(axis_)];
    for (int64_t d = 0; d < axis_; d++) outer *= x.shape[static_cast<size_t>(d)];
    for (size_t d = static_cast<size_t>(axis_) + 1; d < x.shape.size(); d++) inner *= x.shape[d];
    int32_t* r = outs[0].as<int32_t>();
    const DecodeTables& T = decode_tables();
    const DType dt = x.dtype;
    ThreadPool::instance().parallel_for(outer * inner, std::max<int64_t>(1, 65536 / std::max<int64_t>(n, 1)), [&](int64_t l0, int64_t l1) {
      for (int64_t l = l0; l < l1; l++) {
        const int64_t o = l / inner, t = l % inner;
        const int64_t base = o * n * inner + t;
        int32_t bi = 0;
        if (dt == DType::I32) {
          const int32_t* v = ins[0].as<int32_t>();
          int32_t best = v[base];
          for (int64_t k = 1; k < n; k++) {
            const int32_t c = v[base + k * inner];
            if (max_ ? c > best : c < best) {
              best = c;
              bi = static_cast<int32_t>(k);
            }
          }
        } else {
          float best;
          decode_f(dt, ins[0].data, base, 1, &best, T);
          for (int64_t k = 1; k < n && best == best; k++) {
            float c;
            decode_f(dt, ins[0].data, base + k * inner, 1, &c, T);
            if (c != c || (max_ ? c > best : c < best)) {
              best = c;
              bi = static_cast<int32_t>(k);
            }
          }
        }
        r[o * inner + t] = bi;
      }
    });
  }

 private:
  bool max_;
  int64_t axis_;
};

/** Inclusive prefix sums along one axis (from the end when reversed), in the reference's order. */
class Cumsum : public Kernel {
 public:
  Cumsum(int64_t axis, bool reverse) : axis_(axis), reverse_(reverse) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    int64_t outer = 1, inner = 1;
    const int64_t n = x.shape[static_cast<size_t>(axis_)];
    for (int64_t d = 0; d < axis_; d++) outer *= x.shape[static_cast<size_t>(d)];
    for (size_t d = static_cast<size_t>(axis_) + 1; d < x.shape.size(); d++) inner *= x.shape[d];
    const DecodeTables& T = decode_tables();
    const DType dt = x.dtype;
    ThreadPool::instance().parallel_for(outer, std::max<int64_t>(1, 65536 / std::max<int64_t>(n * inner, 1)), [&](int64_t o0, int64_t o1) {
      std::vector<float> accf;
      std::vector<float> vals;
      for (int64_t o = o0; o < o1; o++) {
        const int64_t base = o * n * inner;
        if (dt == DType::I32) {
          const int32_t* v = ins[0].as<int32_t>() + base;
          int32_t* r = outs[0].as<int32_t>() + base;
          for (int64_t t = 0; t < inner; t++) {
            uint32_t acc = 0;
            for (int64_t s = 0; s < n; s++) {
              const int64_t i = (reverse_ ? n - 1 - s : s) * inner + t;
              acc += static_cast<uint32_t>(v[i]);
              r[i] = static_cast<int32_t>(acc);
            }
          }
          continue;
        }
        const int64_t m = n * inner;
        vals.resize(static_cast<size_t>(m));
        accf.resize(static_cast<size_t>(m));
        decode_f(dt, ins[0].data, base, m, vals.data(), T);
        for (int64_t t = 0; t < inner; t++) {
          float acc = 0;
          for (int64_t s = 0; s < n; s++) {
            const int64_t i = (reverse_ ? n - 1 - s : s) * inner + t;
            acc = acc + vals[static_cast<size_t>(i)];
            accf[static_cast<size_t>(i)] = acc;
          }
        }
        void* dst = static_cast<uint8_t*>(outs[0].data) + base * item_size(dt);
        encode_f(dt, accf.data(), m, dst);
      }
    });
  }

 private:
  int64_t axis_;
  bool reverse_;
};

void need(bool ok, const std::string& msg) {
  if (!ok) fail(msg);
}

}  // namespace

KernelPtr make_reduce_kernel(const std::string& prim, const PVal& p, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string& ctx = prim;
  outs->clear();
  need(!ins.empty(), ctx + ": takes 1 operand, got 0");
  const Aval& x = ins[0];
  need(x.dtype != DType::BOOL, ctx + ": operand must be numeric, got " + aval_str(x));
  const int64_t r = x.rank();
  if (prim == "cumsum") {
    need(ins.size() == 1, ctx + ": takes 1 operand");
    const int64_t axis = p_int(p.at("axis", ctx), ctx, "axis", 0, INT32_MAX);
    const bool reverse = p_bool(p.at("reverse", ctx), ctx, "reverse");
    need(axis < r, ctx + ": axis " + std::to_string(axis) + " out of range for " + aval_str(x));
    outs->push_back(x);
    return KernelPtr(new Cumsum(axis, reverse));
  }
  if (prim == "argmax" || prim == "argmin") {
    need(ins.size() == 1, ctx + ": takes 1 operand");
    const auto axes = p_ints(p.at("axes", ctx), ctx, "axes", 0, INT32_MAX);
    need(axes.size() == 1, ctx + ": axes must hold exactly one axis");
    need(axes[0] < r, ctx + ": axes out of range for rank " + std::to_string(r));
    need(p_str(p.at("index_dtype", ctx), ctx, "index_dtype") == "i32", ctx + ": index_dtype must be \"i32\"");
    need(x.shape[static_cast<size_t>(axes[0])] != 0, ctx + ": cannot reduce an empty axis of " + aval_str(x));
    Aval o{DType::I32, {}};
    for (int64_t d = 0; d < r; d++)
      if (d != axes[0]) o.shape.push_back(x.shape[static_cast<size_t>(d)]);
    outs->push_back(o);
    return KernelPtr(new ArgExtreme(prim == "argmax", axes[0]));
  }
  ROp op;
  if (prim == "reduce_sum") op = ROp::Sum;
  else if (prim == "reduce_prod") op = ROp::Prod;
  else if (prim == "reduce_max") op = ROp::Max;
  else if (prim == "reduce_min") op = ROp::Min;
  else fail(ctx + ": not a reduction");
  const auto axes = p_ints(p.at("axes", ctx), ctx, "axes", 0, INT32_MAX);
  std::vector<bool> reduced(static_cast<size_t>(r), false);
  for (int64_t a : axes) {
    need(a < r, ctx + ": axes out of range for rank " + std::to_string(r));
    need(!reduced[static_cast<size_t>(a)], ctx + ": axes repeat an axis");
    reduced[static_cast<size_t>(a)] = true;
  }
  // Folded scale (lowering only): a second, rank-0 f32 operand multiplies the f32 sum.
  bool alpha = false;
  if (const PVal* a = p.find("alpha")) alpha = p_bool(*a, ctx, "alpha");
  if (alpha) {
    need(op == ROp::Sum && x.dtype == DType::F32, ctx + ": a folded scale needs an f32 reduce_sum");
    need(ins.size() == 2 && ins[1].dtype == DType::F32 && ins[1].rank() == 0, ctx + ": the folded scale must be an f32 scalar operand");
  } else {
    need(ins.size() == 1, ctx + ": takes 1 operand, got " + std::to_string(ins.size()));
  }
  Aval o{x.dtype, {}};
  for (int64_t d = 0; d < r; d++)
    if (!reduced[static_cast<size_t>(d)]) o.shape.push_back(x.shape[static_cast<size_t>(d)]);
  outs->push_back(o);
  // Merge adjacent dims of equal status into groups (size-1 dims dropped).
  const Shape xs = row_major_strides(x.shape);
  const Shape os = row_major_strides(o.shape);
  std::vector<Group> groups;
  size_t od = 0;
  for (int64_t d = 0; d < r; d++) {
    const bool red = reduced[static_cast<size_t>(d)];
    const int64_t size = x.shape[static_cast<size_t>(d)];
    const int64_t ostride = red ? 0 : os[od];
    if (!red) od++;
    if (size == 1) continue;
    if (!groups.empty() && groups.back().reduced == red) {
      groups.back().size *= size;
      groups.back().x_stride = xs[static_cast<size_t>(d)];
      groups.back().out_stride = ostride;
    } else {
      groups.push_back(Group{size, red, xs[static_cast<size_t>(d)], ostride});
    }
  }
  if (groups.empty()) groups.push_back(Group{1, false, 1, 1});
  return KernelPtr(new Reduce(op, std::move(groups), alpha));
}

}  // namespace scalify
