// Indexing kernels (runtime/kernels/indexing.ts): dynamic_slice and dynamic_update_slice clamp
// their runtime starts so the slice fits (lax semantics); gather and scatter_add follow jnp.take
// along one axis: "clip" clamps an index into [0, n − 1], "fill" treats an index outside as out
// of range (gather yields NaN / INT_MIN / true, scatter_add drops the update). Every index is
// resolved before use, so no runtime value can address memory outside a buffer.
#include <algorithm>
#include <cstring>
#include <vector>

#include "copy.h"
#include "thread_pool.h"

namespace scalify {

namespace {

void need(bool ok, const std::string& msg) {
  if (!ok) fail(msg);
}

/** Scalar i32 start operands, one per dim of x. */
void check_starts(const std::string& ctx, const std::vector<Aval>& idx, int64_t rank) {
  need(static_cast<int64_t>(idx.size()) == rank, ctx + ": needs " + std::to_string(rank) + " start indices, got " + std::to_string(idx.size()));
  for (const auto& a : idx) need(a.dtype == DType::I32 && a.rank() == 0, ctx + ": start indices must be i32 scalars, got " + aval_str(a));
}

/** Σ clamp(start_d, 0, dim_d − size_d) · stride_d. */
int64_t clamped_base(const Buf* starts, const Shape& shape, const Shape& sizes) {
  const Shape st = row_major_strides(shape);
  int64_t base = 0;
  for (size_t d = 0; d < shape.size(); d++) {
    const int64_t s = *starts[d].as<int32_t>();
    const int64_t hi = shape[d] - sizes[d];
    base += std::min(std::max<int64_t>(s, 0), hi) * st[d];
  }
  return base;
}

class DynamicSlice : public Kernel {
 public:
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const Aval& o = *outs[0].aval;
    if (outs[0].n == 0) return;
    strided_copy(ins[0].data, clamped_base(ins + 1, x.shape, o.shape), row_major_strides(x.shape), outs[0].data, o.shape, item_size(x.dtype));
  }
};

class DynamicUpdateSlice : public Kernel {
 public:
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const Aval& u = *ins[1].aval;
    const int es = item_size(x.dtype);
    if (outs[0].data != ins[0].data) std::memcpy(outs[0].data, ins[0].data, static_cast<size_t>(ins[0].n * es));
    if (ins[1].n == 0) return;
    strided_store(ins[1].data, outs[0].data, clamped_base(ins + 2, x.shape, u.shape), row_major_strides(x.shape), u.shape, es);
  }
  // The operand may be updated in place; the update must not share the output's memory.
  bool may_alias(int, int in) const override { return in == 0; }
};

enum class Mode { Clip, Fill };

inline int64_t resolve(int64_t i, int64_t n, Mode mode) {
  if (n == 0) return -1;
  if (mode == Mode::Clip) return std::min(std::max<int64_t>(i, 0), n - 1);
  return i >= 0 && i < n ? i : -1;
}

struct TakeGeom {
  int64_t outer = 1, n = 0, inner = 1;
};

TakeGeom geom(const Aval& x, int64_t axis) {
  TakeGeom g;
  for (int64_t d = 0; d < axis; d++) g.outer *= x.shape[static_cast<size_t>(d)];
  g.n = x.shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape.size(); d++) g.inner *= x.shape[d];
  return g;
}

/** jnp.take's fill code: the quiet NaN for floats, INT_MIN for i32, true for bool. */
uint32_t fill_code(DType d) {
  switch (d) {
    case DType::F32: return 0x7fc00000u;
    case DType::F16: return encode_f16(0x7fc00000u);
    case DType::BF16: return encode_bf16(0x7fc00000u);
    case DType::E4M3FN: return encode_e4m3fn(0x7fc00000u, false);
    case DType::E5M2: return encode_e5m2(0x7fc00000u, false);
    case DType::I32: return 0x80000000u;
    case DType::BOOL: return 1u;
  }
  return 0;
}

class Gather : public Kernel {
 public:
  Gather(int64_t axis, Mode mode) : axis_(axis), mode_(mode) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const TakeGeom g = geom(x, axis_);
    const int32_t* idx = ins[1].as<int32_t>();
    const int64_t k = ins[1].n;
    const int es = item_size(x.dtype);
    const uint32_t fill = fill_code(x.dtype);
    const uint8_t* src = ins[0].as<uint8_t>();
    uint8_t* dst = outs[0].as<uint8_t>();
    const size_t row = static_cast<size_t>(g.inner * es);
    ThreadPool::instance().parallel_for(g.outer * k, std::max<int64_t>(1, 16384 / std::max<int64_t>(g.inner, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t o = r / k, j = r % k;
        const int64_t i = resolve(idx[j], g.n, mode_);
        uint8_t* out = dst + static_cast<size_t>(r) * row;
        if (i < 0) fill_elements(out, g.inner, &fill, es);
        else std::memcpy(out, src + static_cast<size_t>((o * g.n + i) * g.inner * es), row);
      }
    });
  }

 private:
  int64_t axis_;
  Mode mode_;
};

float load_float(DType d, const void* p, int64_t i, const DecodeTables& T) {
  switch (d) {
    case DType::F32: return static_cast<const float*>(p)[i];
    case DType::F16: return T.f16[static_cast<const uint16_t*>(p)[i]];
    case DType::BF16: return decode_bf16(static_cast<const uint16_t*>(p)[i]);
    case DType::E4M3FN: return T.e4m3fn[static_cast<const uint8_t*>(p)[i]];
    default: return T.e5m2[static_cast<const uint8_t*>(p)[i]];
  }
}

void encode_float(DType d, float v, void* p, int64_t i) {
  const uint32_t u = f32_bits(v);
  switch (d) {
    case DType::F32: static_cast<float*>(p)[i] = v; break;
    case DType::F16: static_cast<uint16_t*>(p)[i] = encode_f16(u); break;
    case DType::BF16: static_cast<uint16_t*>(p)[i] = encode_bf16(u); break;
    case DType::E4M3FN: static_cast<uint8_t*>(p)[i] = encode_e4m3fn(u, false); break;
    default: static_cast<uint8_t*>(p)[i] = encode_e5m2(u, false); break;
  }
}

class ScatterAdd : public Kernel {
 public:
  ScatterAdd(int64_t axis, Mode mode) : axis_(axis), mode_(mode) {}
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const Aval& x = *ins[0].aval;
    const TakeGeom g = geom(x, axis_);
    const int32_t* idx = ins[1].as<int32_t>();
    const int64_t k = ins[1].n;
    const DType d = x.dtype;
    const int64_t n = ins[0].n;
    const DecodeTables& T = decode_tables();
    // Floats accumulate in f32 (each update added in the updates' row-major order) and are
    // rounded once to the dtype at the end; i32 wraps; bool is a logical or.
    std::vector<float> acc;
    if (is_float(d)) {
      acc.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; i++) acc[static_cast<size_t>(i)] = load_float(d, ins[0].data, i, T);
    } else if (d == DType::I32) {
      std::memcpy(outs[0].data, ins[0].data, static_cast<size_t>(n) * 4);
    } else {
      const uint8_t* s = ins[0].as<uint8_t>();
      uint8_t* o = outs[0].as<uint8_t>();
      for (int64_t i = 0; i < n; i++) o[i] = s[i] != 0;
    }
    ThreadPool::instance().parallel_for(g.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(k * g.inner, 1)), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        for (int64_t j = 0; j < k; j++) {
          const int64_t i = resolve(idx[j], g.n, mode_);
          if (i < 0) continue;
          const int64_t xo = (o * g.n + i) * g.inner;
          const int64_t uo = (o * k + j) * g.inner;
          if (is_float(d)) {
            for (int64_t t = 0; t < g.inner; t++) acc[static_cast<size_t>(xo + t)] = acc[static_cast<size_t>(xo + t)] + load_float(d, ins[2].data, uo + t, T);
          } else if (d == DType::I32) {
            int32_t* a = outs[0].as<int32_t>();
            const int32_t* u = ins[2].as<int32_t>();
            for (int64_t t = 0; t < g.inner; t++)
              a[xo + t] = static_cast<int32_t>(static_cast<uint32_t>(a[xo + t]) + static_cast<uint32_t>(u[uo + t]));
          } else {
            uint8_t* a = outs[0].as<uint8_t>();
            const uint8_t* u = ins[2].as<uint8_t>();
            for (int64_t t = 0; t < g.inner; t++) a[xo + t] = a[xo + t] | (u[uo + t] != 0);
          }
        }
      }
    });
    if (is_float(d))
      for (int64_t i = 0; i < n; i++) encode_float(d, acc[static_cast<size_t>(i)], outs[0].data, i);
  }

 private:
  int64_t axis_;
  Mode mode_;
};

Mode parse_mode(const PVal& p, const std::string& ctx) {
  const std::string m = p_str(p.at("mode", ctx), ctx, "mode");
  if (m == "clip") return Mode::Clip;
  if (m == "fill") return Mode::Fill;
  fail(ctx + ": mode must be \"clip\" or \"fill\"");
}

}  // namespace

KernelPtr make_indexing_kernel(const std::string& prim, const PVal& p, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string& ctx = prim;
  outs->clear();
  if (prim == "dynamic_slice") {
    need(!ins.empty(), ctx + ": takes at least 1 operand");
    const Aval& x = ins[0];
    check_starts(ctx, std::vector<Aval>(ins.begin() + 1, ins.end()), x.rank());
    const Shape sizes = p_ints(p.at("slice_sizes", ctx), ctx, "slice_sizes", 0, kMaxElements);
    need(sizes.size() == x.shape.size(), ctx + ": slice_sizes " + shape_str(sizes) + " do not fit " + shape_str(x.shape));
    for (size_t d = 0; d < sizes.size(); d++) need(sizes[d] <= x.shape[d], ctx + ": slice_sizes " + shape_str(sizes) + " do not fit " + shape_str(x.shape));
    outs->push_back(Aval{x.dtype, sizes});
    return KernelPtr(new DynamicSlice);
  }
  if (prim == "dynamic_update_slice") {
    need(ins.size() >= 2, ctx + ": takes at least 2 operands");
    const Aval& x = ins[0];
    const Aval& u = ins[1];
    check_starts(ctx, std::vector<Aval>(ins.begin() + 2, ins.end()), x.rank());
    need(u.dtype == x.dtype, ctx + ": update " + aval_str(u) + " must have the operand's dtype");
    need(u.rank() == x.rank(), ctx + ": update " + shape_str(u.shape) + " does not fit " + shape_str(x.shape));
    for (size_t d = 0; d < u.shape.size(); d++) need(u.shape[d] <= x.shape[d], ctx + ": update " + shape_str(u.shape) + " does not fit " + shape_str(x.shape));
    outs->push_back(x);
    return KernelPtr(new DynamicUpdateSlice);
  }
  if (prim == "gather" || prim == "scatter_add") {
    const bool scatter = prim == "scatter_add";
    need(ins.size() == (scatter ? 3u : 2u), ctx + ": takes " + (scatter ? "3" : "2") + " operands, got " + std::to_string(ins.size()));
    const Aval& x = ins[0];
    const Aval& idx = ins[1];
    const int64_t axis = p_int(p.at("axis", ctx), ctx, "axis", 0, INT32_MAX);
    const Mode mode = parse_mode(p, ctx);
    need(axis < x.rank(), ctx + ": axis " + std::to_string(axis) + " out of range for " + shape_str(x.shape));
    need(idx.dtype == DType::I32, ctx + ": indices must be i32, got " + aval_str(idx));
    Shape take(x.shape.begin(), x.shape.begin() + axis);
    take.insert(take.end(), idx.shape.begin(), idx.shape.end());
    take.insert(take.end(), x.shape.begin() + axis + 1, x.shape.end());
    checked_size(take, ctx.c_str());
    if (!scatter) {
      outs->push_back(Aval{x.dtype, take});
      return KernelPtr(new Gather(axis, mode));
    }
    const Aval& upd = ins[2];
    need(upd.dtype == x.dtype, ctx + ": updates " + aval_str(upd) + " must have the operand's dtype");
    need(upd.shape == take, ctx + ": updates shape " + shape_str(upd.shape) + " must be " + shape_str(take));
    outs->push_back(x);
    return KernelPtr(new ScatterAdd(axis, mode));
  }
  fail(ctx + ": not an indexing primitive");
}

}  // namespace scalify
