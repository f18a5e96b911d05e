// The gemm's own exports (gemm.h register_exports), for benchmarks and tests. They call the
// matmul directly, outside plans:
//   gemmInfo() → {impl, cpu: {avx2, avx512f, avx512bf16}, threads}
//   gemmBench({m, n, k, batch?, aType?, bType?, transA?, transB?, reps?, warmup?, impl?, threads?,
//              path?}) → {times: number[] (ms per product), path, packMs, kernelMs}
//       times `reps` products of pseudo-random finite operands generated here (no JS overhead
//       inside the timings). impl "fast" (default) or "reference" (gemm_ref.cpp); threads false =
//       calling thread only; path "auto" | "generic" | "avx2" | "avx512" | "avx512-bf16".
//   gemmCompute({a, b, aType, bType, m, n, k, batch?, aStrides?, bStrides?, alpha?, accumulate?,
//                c?, impl?, threads?, path?}) → {c: Float32Array, path}
//       one product on caller data (typed arrays of the storage: Float32Array for f32,
//       Uint16Array for f16/bf16, Uint8Array for fp8). Strides are [batch, row, col] in elements
//       (default row-major, batch-contiguous); c gives C's initial value for accumulate.
#include <napi.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../thread_pool.h"
#include "gemm_bridge.h"

namespace scalify {
namespace gemm {

namespace {

bool parse_type(const std::string& s, ElemType* t) {
  static const char* names[] = {"f32", "f16", "bf16", "f8e4m3fn", "f8e5m2"};
  for (int i = 0; i < 5; ++i)
    if (s == names[i]) {
      *t = ElemType(i);
      return true;
    }
  return false;
}

scalify_gemm::Path parse_path(const std::string& s) {
  if (s == "generic") return scalify_gemm::Path::Generic;
  if (s == "avx2") return scalify_gemm::Path::Avx2F32;
  if (s == "avx512") return scalify_gemm::Path::Avx512F32;
  if (s == "avx512-bf16") return scalify_gemm::Path::Avx512Bf16;
  return scalify_gemm::Path::Auto;
}

int64_t get_int(const Napi::Object& o, const char* key, int64_t def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740991.0) || d != double(int64_t(d)))
    throw Napi::RangeError::New(o.Env(), std::string(key) + " must be a non-negative integer");
  return int64_t(d);
}
bool get_bool(const Napi::Object& o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? def : v.ToBoolean().Value();
}
std::string get_str(const Napi::Object& o, const char* key, const char* def) {
  Napi::Value v = o.Get(key);
  return v.IsUndefined() ? std::string(def) : v.ToString().Utf8Value();
}
ElemType get_type(const Napi::Object& o, const char* key) {
  ElemType t;
  if (!parse_type(get_str(o, key, "f32"), &t)) throw Napi::TypeError::New(o.Env(), std::string(key) + ": unknown dtype");
  return t;
}

// Pseudo-random finite operand storage (values of magnitude about 2^-4 … 2^4; fp8 codes over
// their whole finite range).
std::vector<uint8_t> random_storage(ElemType t, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<uint8_t> v(size_t(n) * size_t(elem_size(t)));
  for (int64_t i = 0; i < n; ++i) {
    switch (t) {
      case ElemType::F32: {
        const float f = u(rng);
        std::memcpy(&v[size_t(i) * 4], &f, 4);
        break;
      }
      case ElemType::BF16: {
        const float f = u(rng);
        uint32_t b;
        std::memcpy(&b, &f, 4);
        const uint16_t h = uint16_t(b >> 16);
        std::memcpy(&v[size_t(i) * 2], &h, 2);
        break;
      }
      case ElemType::F16: {
        uint16_t h;
        do h = uint16_t(rng()); while (((h >> 10) & 31) > 18 || ((h >> 10) & 31) < 10);
        std::memcpy(&v[size_t(i) * 2], &h, 2);
        break;
      }
      case ElemType::E4M3FN: {
        uint8_t c;
        do c = uint8_t(rng()); while ((c & 0x7f) == 0x7f);
        v[size_t(i)] = c;
        break;
      }
      case ElemType::E5M2: {
        uint8_t c;
        do c = uint8_t(rng()); while (((c >> 2) & 31) == 31);
        v[size_t(i)] = c;
        break;
      }
    }
  }
  return v;
}

// Each dimension below 2^31 so that the products checked next cannot overflow.
void check_dims(const Napi::Env& env, int64_t m, int64_t n, int64_t k, int64_t batch) {
  const int64_t lim = int64_t(1) << 31;
  if (m >= lim || n >= lim || k >= lim || batch >= lim) throw Napi::RangeError::New(env, "gemm: a dimension is too large");
}

const char* path_label(scalify_gemm::Path p) { return scalify_gemm::path_name(p); }

Napi::Value GemmInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("impl", gemm_impl_name());
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("avx2", scalify_gemm::cpu_has_avx2_fma());
  cpu.Set("avx512f", scalify_gemm::cpu_has_avx512f());
  cpu.Set("avx512bf16", scalify_gemm::cpu_has_avx512bf16());
  r.Set("cpu", cpu);
  r.Set("threads", ThreadPool::instance().num_threads());
  return r;
}

Napi::Value GemmBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "gemmBench(options)");
  const Napi::Object o = info[0].As<Napi::Object>();
  const int64_t m = get_int(o, "m", 0), n = get_int(o, "n", 0), k = get_int(o, "k", 0);
  const int64_t batch = get_int(o, "batch", 1);
  const int64_t reps = get_int(o, "reps", 5), warmup = get_int(o, "warmup", 1);
  check_dims(env, m, n, k, batch);
  if (m * k * batch > (int64_t(1) << 31) || k * n * batch > (int64_t(1) << 31) || m * n * batch > (int64_t(1) << 31))
    throw Napi::RangeError::New(env, "gemmBench: problem too large");
  const ElemType ta = get_type(o, "aType"), tb = get_type(o, "bType");
  const bool trans_a = get_bool(o, "transA", false), trans_b = get_bool(o, "transB", false);
  const bool reference = get_str(o, "impl", "fast") == "reference";
  const scalify_gemm::Path force = parse_path(get_str(o, "path", "auto"));
  const std::vector<uint8_t> A = random_storage(ta, batch * m * k, 1), B = random_storage(tb, batch * k * n, 2);
  std::vector<float> C(size_t(batch * m * n));
  GemmArgs g;
  g.batch = batch;
  g.M = m;
  g.N = n;
  g.K = k;
  g.a = Operand{A.data(), ta, trans_a ? 1 : k, trans_a ? m : 1, m * k};
  g.b = Operand{B.data(), tb, trans_b ? 1 : n, trans_b ? k : 1, k * n};
  g.c = C.data();
  g.ldc = n;
  g.c_batch_stride = m * n;
  g.use_threads = get_bool(o, "threads", true);
  scalify_gemm::Path used = scalify_gemm::Path::Auto;
  auto run = [&] {
    if (reference) gemm_reference(g);
    else used = scalify_gemm::gemm(to_problem(g), pool_executor(g.use_threads), force);
  };
  for (int64_t i = 0; i < warmup; ++i) run();
  scalify_gemm::stats_enable(true);
  scalify_gemm::stats_take();
  Napi::Array times = Napi::Array::New(env, size_t(reps));
  for (int64_t i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    times.Set(uint32_t(i), ms);
  }
  const scalify_gemm::Stats st = scalify_gemm::stats_take();
  scalify_gemm::stats_enable(false);
  Napi::Object r = Napi::Object::New(env);
  r.Set("times", times);
  r.Set("path", reference ? "reference" : path_label(used));
  r.Set("packMs", st.pack_seconds * 1e3 / double(reps ? reps : 1));
  r.Set("kernelMs", st.kernel_seconds * 1e3 / double(reps ? reps : 1));
  return r;
}

// Checked view of a typed array operand: returns its data after verifying that every element
// addressed by the strides lies inside it.
const void* operand_data(const Napi::Env& env, const Napi::Value& v, ElemType t, int64_t batch, int64_t rows, int64_t cols,
                         const int64_t st[3], const char* name) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string(name) + " must be a typed array");
  const Napi::TypedArray ta = v.As<Napi::TypedArray>();
  const int64_t bytes = int64_t(ta.ByteLength());
  // 128-bit arithmetic: strides up to 2^53 times dimensions up to 2^31 cannot overflow it.
  const __int128 need = batch > 0 && rows > 0 && cols > 0
                            ? __int128(batch - 1) * st[0] + __int128(rows - 1) * st[1] + __int128(cols - 1) * st[2] + 1
                            : 0;
  if (need * elem_size(t) > bytes) throw Napi::RangeError::New(env, std::string(name) + " is too short for its shape and strides");
  const uint8_t* base = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (reinterpret_cast<uintptr_t>(base) % uintptr_t(elem_size(t)) != 0) throw Napi::RangeError::New(env, std::string(name) + " is misaligned");
  return base;
}

void get_strides(const Napi::Object& o, const char* key, int64_t out[3]) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return;
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be [batch, row, col]");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < 3; ++i) {
    const double d = a.Get(i).ToNumber().DoubleValue();
    if (!(d >= 0 && d < 9007199254740991.0) || d != double(int64_t(d)))
      throw Napi::RangeError::New(o.Env(), std::string(key) + " must hold non-negative integers");
    out[i] = int64_t(d);
  }
}

Napi::Value GemmCompute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "gemmCompute(options)");
  const Napi::Object o = info[0].As<Napi::Object>();
  const int64_t m = get_int(o, "m", 0), n = get_int(o, "n", 0), k = get_int(o, "k", 0), batch = get_int(o, "batch", 1);
  check_dims(env, m, n, k, batch);
  if (m * n * batch > (int64_t(1) << 31)) throw Napi::RangeError::New(env, "gemmCompute: result too large");
  const ElemType ta = get_type(o, "aType"), tb = get_type(o, "bType");
  int64_t sa[3] = {m * k, k, 1}, sb[3] = {k * n, n, 1};
  get_strides(o, "aStrides", sa);
  get_strides(o, "bStrides", sb);
  GemmArgs g;
  g.batch = batch;
  g.M = m;
  g.N = n;
  g.K = k;
  g.a = Operand{operand_data(env, o.Get("a"), ta, batch, m, k, sa, "a"), ta, sa[1], sa[2], sa[0]};
  g.b = Operand{operand_data(env, o.Get("b"), tb, batch, k, n, sb, "b"), tb, sb[1], sb[2], sb[0]};
  Napi::Float32Array c = Napi::Float32Array::New(env, size_t(batch * m * n));
  Napi::Value c0 = o.Get("c");
  if (!c0.IsUndefined()) {
    if (!c0.IsTypedArray() || c0.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        c0.As<Napi::Float32Array>().ElementLength() != size_t(batch * m * n))
      throw Napi::TypeError::New(env, "c must be a Float32Array of batch·m·n elements");
    std::memcpy(c.Data(), c0.As<Napi::Float32Array>().Data(), size_t(batch * m * n) * 4);
  }
  g.c = c.Data();
  g.ldc = n;
  g.c_batch_stride = m * n;
  const Napi::Value alpha = o.Get("alpha");
  g.alpha = alpha.IsUndefined() ? 1.0f : float(alpha.ToNumber().DoubleValue());
  g.accumulate = get_bool(o, "accumulate", false);
  g.use_threads = get_bool(o, "threads", true);
  std::string used;
  if (get_str(o, "impl", "fast") == "reference") {
    gemm_reference(g);
    used = "reference";
  } else {
    used = path_label(scalify_gemm::gemm(to_problem(g), pool_executor(g.use_threads), parse_path(get_str(o, "path", "auto"))));
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("c", c);
  r.Set("path", used);
  return r;
}

}  // namespace

void register_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmInfo", Napi::Function::New(env, GemmInfo, "gemmInfo"));
  exports.Set("gemmBench", Napi::Function::New(env, GemmBench, "gemmBench"));
  exports.Set("gemmCompute", Napi::Function::New(env, GemmCompute, "gemmCompute"));
}

}  // namespace gemm
}  // namespace scalify
