// bandwidthBench({n, reps?, warmup?}) → {times: ms[], sum}: the chain of bench (d), relu(x·1.5 + 0.25)
// over n f32 values, as a plain C++ loop over the addon's thread pool with warm buffers and
// nothing else: the machine's attainable memory bandwidth for this access pattern (read n, write
// n), measured in the same process as the sf.jit row it is compared with (`npm run bench`).
#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

#include "core.h"
#include "output_memory.h"
#include "thread_pool.h"

#include <napi.h>

namespace scalify {

namespace {

int64_t option(const Napi::Object& o, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) fail(std::string("bandwidthBench: ") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != static_cast<double>(static_cast<int64_t>(d)))
    fail(std::string("bandwidthBench: ") + key + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}

Napi::Value BandwidthBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsObject()) fail("bandwidthBench(options)");
    const Napi::Object o = info[0].As<Napi::Object>();
    const int64_t n = option(o, "n", 1 << 24, 1, int64_t(1) << 28);
    const int64_t reps = option(o, "reps", 5, 1, 1000), warmup = option(o, "warmup", 2, 0, 1000);
    // Kept from call to call (JavaScript calls this on its one thread): allocating them anew made
    // every call map and zero 2n floats of fresh pages, which slowed the sf.jit calls timed in
    // turn with it by a quarter. On huge pages, as sf.jit's large outputs are (output_memory.h).
    static float *x = nullptr, *out = nullptr;
    static int64_t size = 0;
    if (size != n) {
      const size_t bytes = (static_cast<size_t>(n) * sizeof(float) + 4095) & ~size_t(4095);
      for (float* p : {x, out})
        if (p != nullptr) munmap(p, (static_cast<size_t>(size) * sizeof(float) + 4095) & ~size_t(4095));
      x = static_cast<float*>(map_huge_pages(bytes));
      out = static_cast<float*>(map_huge_pages(bytes));
      if (x == nullptr || out == nullptr) throw std::bad_alloc();
      size = n;
      for (int64_t i = 0; i < n; i++) x[i] = static_cast<float>(i % 1000) * 0.002f - 1.0f;
      std::memset(out, 0, static_cast<size_t>(n) * sizeof(float));
    }
    const float* xp = x;
    float* op = out;
    // Chunks as large as the fused kernels' tasks get (64 Ki elements), so both share the pool
    // alike. Stores around the cache, as the fused kernels make for outputs this large: with
    // plain ones every line of `out` is read before it is written, a third more traffic.
    auto run = [&] {
      ThreadPool::instance().parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        int64_t i = b;
        auto one = [&](int64_t k) { op[k] = std::max(xp[k] * 1.5f + 0.25f, 0.0f); };
#if defined(__AVX2__)
        for (; i < e && (reinterpret_cast<uintptr_t>(op + i) & 31) != 0; i++) one(i);  // streaming stores need 32-byte alignment
        const __m256 s = _mm256_set1_ps(1.5f), c = _mm256_set1_ps(0.25f), zero = _mm256_setzero_ps();
        for (; i + 8 <= e; i += 8) _mm256_stream_ps(op + i, _mm256_max_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(xp + i), s), c), zero));
        _mm_sfence();
#endif
        for (; i < e; i++) one(i);
      });
    };
    for (int64_t i = 0; i < warmup; i++) run();
    Napi::Array times = Napi::Array::New(env, static_cast<size_t>(reps));
    for (int64_t i = 0; i < reps; i++) {
      const auto t0 = std::chrono::steady_clock::now();
      run();
      times.Set(static_cast<uint32_t>(i), std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("times", times);
    // Untimed: the sum of the outputs, so that tests can check the loop computes the chain.
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += out[i];
    r.Set("sum", sum);
    return r;
  } catch (const Error& e) {
    throw Napi::Error::New(env, std::string("scalify native: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "scalify native: out of memory");
  }
}

}  // namespace

void register_bandwidth_bench(Napi::Env env, Napi::Object exports) { exports.Set("bandwidthBench", Napi::Function::New(env, BandwidthBench, "bandwidthBench")); }

}  // namespace scalify
