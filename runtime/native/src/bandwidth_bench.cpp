// bandwidthBench({n, reps?, warmup?}) → {times: ms[]}: the chain of bench (d), relu(x·1.5 + 0.25)
// over n f32 values, as a plain C++ loop over the addon's thread pool with warm buffers and
// nothing else: the machine's attainable memory bandwidth for this access pattern (read n, write
// n), measured in the same process as the sf.jit row it is compared with (`npm run bench`).
#include <algorithm>
#include <chrono>
#include <vector>

#include "core.h"
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
    // turn with it by a quarter.
    static std::vector<float> x, out;
    if (x.size() != static_cast<size_t>(n)) {
      x.assign(static_cast<size_t>(n), 0.0f);
      out.assign(static_cast<size_t>(n), 0.0f);
      for (int64_t i = 0; i < n; i++) x[static_cast<size_t>(i)] = static_cast<float>(i % 1000) * 0.002f - 1.0f;
    }
    const float* xp = x.data();
    float* op = out.data();
    // Chunks as large as the fused kernels' tasks get (64 Ki elements), so both share the pool alike.
    auto run = [&] {
      ThreadPool::instance().parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) op[i] = std::max(xp[i] * 1.5f + 0.25f, 0.0f);
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
    r.Set("sink", out[static_cast<size_t>(n - 1)]);  // keeps the stores observable
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
