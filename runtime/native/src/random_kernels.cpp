// Creation kernels: random_bits (Philox-4x32-10, runtime/kernels/random.ts: block b uses the
// counter (b, 0, 0, 0) and the key i32[2]; element j is word j mod 4 of block ⌊j / 4⌋) and iota
// (the index along one dimension, converted to the dtype like a cast).
#include <algorithm>

#include "core.h"
#include "thread_pool.h"

namespace scalify {

namespace {

constexpr uint32_t M0 = 0xd2511f53u, M1 = 0xcd9e8d57u, W0 = 0x9e3779b9u, W1 = 0xbb67ae85u;

inline void philox(uint32_t b, uint32_t k0, uint32_t k1, uint32_t out[4]) {
  uint32_t c0 = b, c1 = 0, c2 = 0, c3 = 0;
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    const uint64_t p0 = static_cast<uint64_t>(M0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(M1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

class RandomBits : public Kernel {
 public:
  void run(const Buf* ins, const Buf* outs, RunCtx&) const override {
    const int32_t* key = ins[0].as<int32_t>();
    const uint32_t k0 = static_cast<uint32_t>(key[0]), k1 = static_cast<uint32_t>(key[1]);
    uint32_t* o = outs[0].as<uint32_t>();
    const int64_t n = outs[0].n;
    const int64_t blocks = (n + 3) / 4;
    ThreadPool::instance().parallel_for(blocks, 8192, [&](int64_t b0, int64_t b1) {
      uint32_t w[4];
      for (int64_t b = b0; b < b1; b++) {
        philox(static_cast<uint32_t>(b), k0, k1, w);
        for (int j = 0; j < 4 && 4 * b + j < n; j++) o[4 * b + j] = w[j];
      }
    });
  }
};

class Iota : public Kernel {
 public:
  Iota(int64_t stride, int64_t extent) : stride_(stride), extent_(extent) {}
  void run(const Buf*, const Buf* outs, RunCtx&) const override {
    const DType d = outs[0].aval->dtype;
    const int64_t n = outs[0].n;
    for (int64_t i = 0; i < n; i++) {
      const int64_t v = (i / stride_) % extent_;
      const float f = static_cast<float>(v);
      const uint32_t u = f32_bits(f);
      switch (d) {
        case DType::F32: outs[0].as<float>()[i] = f; break;
        case DType::F16: outs[0].as<uint16_t>()[i] = encode_f16(u); break;
        case DType::BF16: outs[0].as<uint16_t>()[i] = encode_bf16(u); break;
        case DType::E4M3FN: outs[0].as<uint8_t>()[i] = encode_e4m3fn(u, false); break;
        case DType::E5M2: outs[0].as<uint8_t>()[i] = encode_e5m2(u, false); break;
        case DType::I32: outs[0].as<int32_t>()[i] = static_cast<int32_t>(v); break;
        case DType::BOOL: outs[0].as<uint8_t>()[i] = v != 0; break;
      }
    }
  }

 private:
  int64_t stride_, extent_;
};

}  // namespace

KernelPtr make_random_kernel(const std::string& prim, const PVal& p, const std::vector<Aval>& ins, std::vector<Aval>* outs) {
  const std::string& ctx = prim;
  outs->clear();
  if (prim == "random_bits") {
    if (ins.size() != 1) fail(ctx + ": takes 1 operand, got " + std::to_string(ins.size()));
    if (ins[0].dtype != DType::I32 || ins[0].shape != Shape{2}) fail(ctx + ": key must be i32[2], got " + aval_str(ins[0]));
    const Shape shape = p_ints(p.at("shape", ctx), ctx, "shape", 0, kMaxElements);
    checked_size(shape, ctx.c_str());
    outs->push_back(Aval{DType::I32, shape});
    return KernelPtr(new RandomBits);
  }
  if (prim == "iota") {
    if (!ins.empty()) fail(ctx + ": takes 0 operands, got " + std::to_string(ins.size()));
    const DType d = p_dtype(p.at("dtype", ctx), ctx, "dtype");
    const Shape shape = p_ints(p.at("shape", ctx), ctx, "shape", 0, kMaxElements);
    const int64_t dim = p_int(p.at("dimension", ctx), ctx, "dimension", 0, INT32_MAX);
    if (dim >= static_cast<int64_t>(shape.size())) fail(ctx + ": dimension " + std::to_string(dim) + " out of range for " + shape_str(shape));
    checked_size(shape, ctx.c_str());
    outs->push_back(Aval{d, shape});
    const Shape st = row_major_strides(shape);
    return KernelPtr(new Iota(std::max<int64_t>(st[static_cast<size_t>(dim)], 1), std::max<int64_t>(shape[static_cast<size_t>(dim)], 1)));
  }
  fail(ctx + ": not a creation primitive");
}

}  // namespace scalify
