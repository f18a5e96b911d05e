// Shape and data-movement kernels (runtime/kernels/shape.ts): reshape, squeeze, expand_dims,
// stop_gradient, transpose, broadcast_in_dim, rev, slice, pad, concatenate. They move element
// codes, never values. Each factory checks params and operands as the catalogue's shape rules
// (ir/primitives/shape-ops.ts) do.
#include <cmath>
#include <algorithm>
#include <array>
#include <cstring>

#include "copy.h"
#include "thread_pool.h"

namespace scalify {

// ---- strided copies ----

namespace {

/** Drops size-1 dims and merges dims that are contiguous in both the source and the destination. */
void coalesce(const Shape& shape, const Shape& strides, Shape* out_shape, Shape* out_strides) {
  out_shape->clear();
  out_strides->clear();
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 1) continue;
    if (!out_shape->empty() && out_strides->back() == strides[d] * shape[d]) {
      out_shape->back() *= shape[d];
      out_strides->back() = strides[d];
    } else {
      out_shape->push_back(shape[d]);
      out_strides->push_back(strides[d]);
    }
  }
}

template <class T, bool Store>
void strided_impl(const T* src, T* dst, int64_t base, const Shape& shape0, const Shape& strides0) {
  Shape shape, strides;
  coalesce(shape0, strides0, &shape, &strides);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (n == 0) return;
  if (shape.empty()) {
    if (Store) dst[base] = src[0];
    else dst[0] = src[base];
    return;
  }
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1];
  const int64_t is = strides[r - 1];
  const int64_t rows = n / inner;
  auto do_rows = [&](int64_t r0, int64_t r1) {
    // Multi-index of row r0 over the outer dims.
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    int64_t off = base;
    int64_t rem = r0;
    for (int d = r - 2; d >= 0; d--) {
      idx[static_cast<size_t>(d)] = rem % shape[static_cast<size_t>(d)];
      rem /= shape[static_cast<size_t>(d)];
      off += idx[static_cast<size_t>(d)] * strides[static_cast<size_t>(d)];
    }
    for (int64_t row = r0; row < r1; row++) {
      const int64_t lin = row * inner;
      if (Store) {
        T* o = dst + off;
        const T* s = src + lin;
        if (is == 1) std::memcpy(o, s, static_cast<size_t>(inner) * sizeof(T));
        else for (int64_t i = 0; i < inner; i++) o[i * is] = s[i];
      } else {
        const T* s = src + off;
        T* o = dst + lin;
        if (is == 1) std::memcpy(o, s, static_cast<size_t>(inner) * sizeof(T));
        else if (is == 0) std::fill(o, o + inner, s[0]);
        else for (int64_t i = 0; i < inner; i++) o[i] = s[i * is];
      }
      for (int d = r - 2; d >= 0; d--) {
        const size_t du = static_cast<size_t>(d);
        if (++idx[du] < shape[du]) {
          off += strides[du];
          break;
        }
        off -= strides[du] * (shape[du] - 1);
        idx[du] = 0;
      }
    }
  };
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(inner, 1));
  ThreadPool::instance().parallel_for(rows, grain, do_rows);
}

}  // namespace

void strided_copy(const void* src, int64_t base, const Shape& strides, void* dst, const Shape& shape, int esize) {
  switch (esize) {
    case 4: strided_impl<uint32_t, false>(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), base, shape, strides); break;
    case 2: strided_impl<uint16_t, false>(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), base, shape, strides); break;
    default: strided_impl<uint8_t, false>(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), base, shape, strides); break;
  }
}

void strided_store(const void* src, void* dst, int64_t base, const Shape& strides, const Shape& shape, int esize) {
  switch (esize) {
    case 4: strided_impl<uint32_t, true>(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), base, shape, strides); break;
    case 2: strided_impl<uint16_t, true>(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), base, shape, strides); break;
    default: strided_impl<uint8_t, true>(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), base, shape, strides); break;
  }
}

void fill_elements(void* dst, int64_t n, const void* value, int esize) {
  switch (esize) {
    case 4: {
      uint32_t v;
      std::memcpy(&v, value, 4);
      std::fill(static_cast<uint32_t*>(dst), static_cast<uint32_t*>(dst) + n, v);
      break;
    }
    case 2: {
      uint16_t v;
      std::memcpy(&v, value, 2);
      std::fill(static_cast<uint16_t*>(dst), static_cast<uint16_t*>(dst) + n, v);
      break;
    }
    default:
      std::memset(dst, *static_cast<const uint8_t*>(value), static_cast<size_t>(n));
  }
}

namespace {

void need_inputs(const std::string& ctx, const std::vector<Aval>& ins, size_t n) {
  if (ins.size() != n) fail(ctx + ": takes " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") + ", got " + std::to_string(ins.size()));
}

/** Axes in [0, rank), no repeats (ir/primitives/define.ts checkAxes). */
void check_axes(const std::string& ctx, const std::vector<int64_t>& axes, int64_t rank, const char* what) {
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), false);
  for (int64_t a : axes) {
    if (a < 0 || a >= rank) fail(ctx + ": " + what + " out of range for rank " + std::to_string(rank));
    if (seen[static_cast<size_t>(a)]) fail(ctx + ": " + what + " repeat an axis");
    seen[static_cast<size_t>(a)] = true;
  }
}

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

/** Same elements in the same order: a copy, or nothing when the output shares the input's memory. */
class SameOrder : public Kernel {
 public:
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    if (outs[0].data != ins[0].data) std::memcpy(outs[0].data, ins[0].data, static_cast<size_t>(outs[0].n * item_size(outs[0].aval->dtype)));
  }
  // Only the first operand is the value (the others are scales or a reference).
  bool may_alias(int, int in) const override { return in == 0; }
};

/** get_data_scale on a plain tensor: (x, 1). */
class DataScale : public Kernel {
 public:
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    std::memcpy(outs[0].data, ins[0].data, static_cast<size_t>(outs[0].n * item_size(outs[0].aval->dtype)));
    *outs[1].as<float>() = 1.0f;
  }
};

/** out = src[base + Σ idx·strides] (transpose, broadcast_in_dim, rev, slice). */
class StridedView : public Kernel {
 public:
  StridedView(int64_t base, Shape strides) : base_(base), strides_(std::move(strides)) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    strided_copy(ins[0].data, base_, strides_, outs[0].data, outs[0].aval->shape, item_size(outs[0].aval->dtype));
  }

 private:
  int64_t base_;
  Shape strides_;
};

class Pad : public Kernel {
 public:
  explicit Pad(std::vector<std::array<int64_t, 3>> cfg) : cfg_(std::move(cfg)) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const Aval& o = *outs[0].aval;
    const int es = item_size(o.dtype);
    fill_elements(outs[0].data, outs[0].n, ins[1].data, es);
    if (ins[0].n == 0) return;
    // Input index i along dim d lands at lo + i·(interior + 1) when that is inside the output;
    // the part of each dim that lands inside is a contiguous index range [first, last).
    const Shape ost = row_major_strides(o.shape);
    const Shape xst = row_major_strides(x.shape);
    Shape sub_shape(x.shape.size()), dst_strides(x.shape.size());
    int64_t src_base = 0, dst_base = 0;
    for (size_t d = 0; d < x.shape.size(); d++) {
      const int64_t lo = cfg_[d][0], step = cfg_[d][2] + 1, n = x.shape[d], on = o.shape[d];
      int64_t first = 0;
      while (first < n && lo + first * step < 0) first++;
      int64_t last = first;
      while (last < n && lo + last * step < on) last++;
      sub_shape[d] = last - first;
      src_base += first * xst[d];
      dst_base += (lo + first * step) * ost[d];
      dst_strides[d] = step * ost[d];
    }
    int64_t count = 1;
    for (int64_t s : sub_shape) count *= s;
    if (count == 0) return;
    // Gather the kept input block, then scatter it into place.
    std::vector<uint8_t> tmp(static_cast<size_t>(count * es));
    strided_copy(ins[0].data, src_base, xst, tmp.data(), sub_shape, es);
    strided_store(tmp.data(), outs[0].data, dst_base, dst_strides, sub_shape, es);
  }

 private:
  std::vector<std::array<int64_t, 3>> cfg_;
};

class Concatenate : public Kernel {
 public:
  Concatenate(int64_t dim, size_t n_ins) : dim_(dim), n_ins_(n_ins) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& o = *outs[0].aval;
    const int es = item_size(o.dtype);
    int64_t outer = 1;
    for (int64_t d = 0; d < dim_; d++) outer *= o.shape[static_cast<size_t>(d)];
    if (outer == 0 || outs[0].n == 0) return;
    const int64_t out_block = outs[0].n / outer;
    // Each operand is an [outer, block] matrix stored into columns [col, col + block) of the output.
    int64_t col = 0;
    for (size_t k = 0; k < n_ins_; k++) {
      const int64_t block = ins[k].n / outer;
      if (block > 0) strided_store(ins[k].data, outs[0].data, col, Shape{out_block, 1}, Shape{outer, block}, es);
      col += block;
    }
  }

 private:
  int64_t dim_;
  size_t n_ins_;
};

}  // namespace

KernelPtr make_shape_kernel(const std::string& prim, const PVal& p, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string& ctx = prim;
  outs->clear();
  if (prim == "concatenate") {
    if (ins.empty()) fail(ctx + ": takes at least 1 operand, got 0");
    const Aval& first = ins[0];
    const int64_t r = first.rank();
    const int64_t dim = p_int(p.at("dimension", ctx), ctx, "dimension", 0, INT32_MAX);
    if (dim >= r) fail(ctx + ": dimension " + std::to_string(dim) + " out of range for rank " + std::to_string(r));
    int64_t total = 0;
    for (const auto& a : ins) {
      if (a.dtype != first.dtype) fail(ctx + ": operands must have one dtype");
      if (a.rank() != r) fail(ctx + ": operand shapes differ outside dim " + std::to_string(dim));
      for (int64_t d = 0; d < r; d++)
        if (d != dim && a.shape[static_cast<size_t>(d)] != first.shape[static_cast<size_t>(d)])
          fail(ctx + ": operand shapes " + shape_str(first.shape) + ", " + shape_str(a.shape) + " differ outside dim " + std::to_string(dim));
      total += a.shape[static_cast<size_t>(dim)];
    }
    Aval o{first.dtype, first.shape};
    o.shape[static_cast<size_t>(dim)] = total;
    checked_size(o.shape, ctx.c_str());
    outs->push_back(o);
    return KernelPtr(new Concatenate(dim, ins.size()));
  }
  if (prim == "pad") {
    need_inputs(ctx, ins, 2);
    const Aval& x = ins[0];
    if (ins[1].rank() != 0 || ins[1].dtype != x.dtype) fail(ctx + ": padding value must be a " + dtype_name(x.dtype) + " scalar, got " + aval_str(ins[1]));
    const auto& cfg = p_arr(p.at("padding_config", ctx), ctx, "padding_config");
    if (static_cast<int64_t>(cfg.size()) != x.rank()) fail(ctx + ": padding_config needs " + std::to_string(x.rank()) + " entries");
    std::vector<std::array<int64_t, 3>> c;
    Aval o{x.dtype, {}};
    for (size_t d = 0; d < cfg.size(); d++) {
      const auto v = p_ints(cfg[d], ctx, "padding_config entry", -kMaxElements, kMaxElements);
      if (v.size() != 3 || v[2] < 0) fail(ctx + ": padding_config entries are [low, high, interior ≥ 0]");
      const int64_t n = x.shape[d];
      const int64_t size = v[0] + v[1] + n + std::max<int64_t>(0, n - 1) * v[2];
      if (size < 0) fail(ctx + ": padding gives a negative size for dim " + std::to_string(d));
      o.shape.push_back(size);
      c.push_back({v[0], v[1], v[2]});
    }
    checked_size(o.shape, ctx.c_str());
    outs->push_back(o);
    return KernelPtr(new Pad(std::move(c)));
  }
  if (prim == "set_scaling" || prim == "rebalance") {
    // On a plain tensor the value is unchanged (ir/primitives/scaling.ts); the scale operand is checked.
    need_inputs(ctx, ins, 2);
    if (!is_float(ins[0].dtype)) fail(ctx + ": operand must be a float, got " + aval_str(ins[0]));
    if (ins[1].dtype != DType::F32 || ins[1].rank() != 0) fail(ctx + ": the scale must be an f32 scalar, got " + aval_str(ins[1]));
    outs->push_back(ins[0]);
    return KernelPtr(new SameOrder);
  }
  if (prim == "lazy_rescale") {
    need_inputs(ctx, ins, 2);
    if (!is_float(ins[0].dtype)) fail(ctx + ": operand must be a float, got " + aval_str(ins[0]));
    if (!is_float(ins[1].dtype)) fail(ctx + ": the reference must be a float, got " + aval_str(ins[1]));
    const std::string norm = p_str(p.at("norm", ctx), ctx, "norm");
    if (norm != "max" && norm != "l1" && norm != "l2") fail(ctx + ": norm must be max, l1 or l2");
    const double lo = p_num(p.at("lo", ctx), ctx, "lo"), hi = p_num(p.at("hi", ctx), ctx, "hi");
    if (!(lo > 0 && lo <= hi && std::isfinite(hi))) fail(ctx + ": the window [lo, hi] must be finite, positive and ordered");
    outs->push_back(ins[0]);
    return KernelPtr(new SameOrder);
  }
  if (prim == "dynamic_rescale" || prim == "get_data_scale") {
    need_inputs(ctx, ins, 1);
    if (!is_float(ins[0].dtype)) fail(ctx + ": operand must be a float, got " + aval_str(ins[0]));
    if (prim == "dynamic_rescale") {
      const std::string norm = p_str(p.at("norm", ctx), ctx, "norm");
      if (norm != "max" && norm != "l1" && norm != "l2") fail(ctx + ": norm must be max, l1 or l2");
    }
    outs->push_back(ins[0]);
    if (prim == "dynamic_rescale") return KernelPtr(new SameOrder);
    outs->push_back(Aval{DType::F32, {}});
    return KernelPtr(new DataScale);
  }
  need_inputs(ctx, ins, 1);
  const Aval& x = ins[0];
  const int64_t r = x.rank();
  const Shape st = row_major_strides(x.shape);
  if (prim == "reshape") {
    const Shape ns = p_ints(p.at("new_sizes", ctx), ctx, "new_sizes", 0, kMaxElements);
    if (checked_size(ns, ctx.c_str()) != x.size()) fail(ctx + ": cannot reshape " + shape_str(x.shape) + " to " + shape_str(ns));
    outs->push_back(Aval{x.dtype, ns});
    return KernelPtr(new SameOrder);
  }
  if (prim == "stop_gradient") {
    outs->push_back(x);
    return KernelPtr(new SameOrder);
  }
  if (prim == "squeeze") {
    const auto dims = p_ints(p.at("dimensions", ctx), ctx, "dimensions", 0, INT32_MAX);
    check_axes(ctx, dims, r, "dimensions");
    Aval o{x.dtype, {}};
    for (int64_t d = 0; d < r; d++) {
      if (contains(dims, d)) {
        if (x.shape[static_cast<size_t>(d)] != 1) fail(ctx + ": dim " + std::to_string(d) + " of " + shape_str(x.shape) + " is not 1");
      } else {
        o.shape.push_back(x.shape[static_cast<size_t>(d)]);
      }
    }
    outs->push_back(o);
    return KernelPtr(new SameOrder);
  }
  if (prim == "expand_dims") {
    const auto dims = p_ints(p.at("dimensions", ctx), ctx, "dimensions", 0, INT32_MAX);
    const int64_t rank = r + static_cast<int64_t>(dims.size());
    check_axes(ctx, dims, rank, "dimensions");
    Aval o{x.dtype, {}};
    size_t j = 0;
    for (int64_t i = 0; i < rank; i++) o.shape.push_back(contains(dims, i) ? 1 : x.shape[j++]);
    outs->push_back(o);
    return KernelPtr(new SameOrder);
  }
  if (prim == "transpose") {
    const auto perm = p_ints(p.at("permutation", ctx), ctx, "permutation", 0, INT32_MAX);
    if (static_cast<int64_t>(perm.size()) != r) fail(ctx + ": permutation is not a permutation of rank " + std::to_string(r));
    check_axes(ctx, perm, r, "permutation");
    Aval o{x.dtype, {}};
    Shape vs;
    for (int64_t a : perm) {
      o.shape.push_back(x.shape[static_cast<size_t>(a)]);
      vs.push_back(st[static_cast<size_t>(a)]);
    }
    outs->push_back(o);
    return KernelPtr(new StridedView(0, vs));
  }
  if (prim == "broadcast_in_dim") {
    const Shape shape = p_ints(p.at("shape", ctx), ctx, "shape", 0, kMaxElements);
    const auto bd = p_ints(p.at("broadcast_dimensions", ctx), ctx, "broadcast_dimensions", 0, INT32_MAX);
    if (static_cast<int64_t>(bd.size()) != r) fail(ctx + ": broadcast_dimensions must have one entry per operand dim");
    checked_size(shape, ctx.c_str());
    Shape vs(shape.size(), 0);
    for (size_t i = 0; i < bd.size(); i++) {
      const int64_t d = bd[i];
      if (d >= static_cast<int64_t>(shape.size()) || (i > 0 && d <= bd[i - 1])) fail(ctx + ": broadcast_dimensions must be increasing and below the output rank");
      const int64_t s = x.shape[i];
      if (s != 1 && s != shape[static_cast<size_t>(d)]) fail(ctx + ": cannot broadcast " + shape_str(x.shape) + " to " + shape_str(shape));
      if (s != 1) vs[static_cast<size_t>(d)] = st[i];
    }
    outs->push_back(Aval{x.dtype, shape});
    return KernelPtr(new StridedView(0, vs));
  }
  if (prim == "rev") {
    const auto dims = p_ints(p.at("dimensions", ctx), ctx, "dimensions", 0, INT32_MAX);
    check_axes(ctx, dims, r, "dimensions");
    int64_t base = 0;
    Shape vs = st;
    if (x.size() > 0) {
      for (int64_t d : dims) {
        base += (x.shape[static_cast<size_t>(d)] - 1) * st[static_cast<size_t>(d)];
        vs[static_cast<size_t>(d)] = -st[static_cast<size_t>(d)];
      }
    }
    outs->push_back(x);
    return KernelPtr(new StridedView(base, vs));
  }
  if (prim == "slice") {
    const auto start = p_ints(p.at("start_indices", ctx), ctx, "start_indices", 0, kMaxElements);
    const auto limit = p_ints(p.at("limit_indices", ctx), ctx, "limit_indices", 0, kMaxElements);
    const PVal& sp = p.at("strides", ctx);
    std::vector<int64_t> steps(static_cast<size_t>(r), 1);
    if (sp.kind != PVal::Null) steps = p_ints(sp, ctx, "strides", 1, kMaxElements);
    if (static_cast<int64_t>(start.size()) != r || static_cast<int64_t>(limit.size()) != r || static_cast<int64_t>(steps.size()) != r)
      fail(ctx + ": start/limit/strides need " + std::to_string(r) + " entries for " + shape_str(x.shape));
    Aval o{x.dtype, {}};
    Shape vs(static_cast<size_t>(r));
    int64_t base = 0;
    for (size_t d = 0; d < static_cast<size_t>(r); d++) {
      if (start[d] > limit[d] || limit[d] > x.shape[d]) fail(ctx + ": slice out of range for dim " + std::to_string(d));
      o.shape.push_back((limit[d] - start[d] + steps[d] - 1) / steps[d]);
      vs[d] = st[d] * steps[d];
      base += start[d] * st[d];
    }
    outs->push_back(o);
    if (o.size() == 0) base = 0;
    return KernelPtr(new StridedView(base, vs));
  }
  fail(ctx + ": not a shape primitive");
}

}  // namespace scalify
