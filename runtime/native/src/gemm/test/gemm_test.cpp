// Standalone test and micro-benchmark of the gemm (no Node): checks every path the build has
// against an f64 reference with DESIGN's dot tolerance, over edge shapes, transposed and
// broadcast (stride-0) operands, batches, alpha, every operand dtype pair.
//   gemm_test check            run the checks (exit 1 on failure)
//   gemm_test bench N [threads] [dtype]   time N³ products
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "../gemm_impl.h"

using namespace scalify_gemm;

// ---- a small persistent pool (the addon brings its own)
struct Pool {
  int n;
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv, done_cv;
  int64_t gen = 0, tasks = 0;
  std::atomic<int64_t> next{0};
  int active = 0;
  void (*fn)(void*, int64_t) = nullptr;
  void* ctx = nullptr;
  bool stop = false;
  explicit Pool(int n_) : n(n_) {
    for (int i = 1; i < n; ++i) workers.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
  }
  void work() {
    for (;;) {
      int64_t t = next.fetch_add(1);
      if (t >= tasks) break;
      fn(ctx, t);
    }
  }
  void loop() {
    int64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return stop || gen != seen; });
        if (stop) return;
        seen = gen;
        ++active;
      }
      work();
      {
        std::lock_guard<std::mutex> l(mu);
        if (--active == 0) done_cv.notify_all();
      }
    }
  }
  static void run(void* self, int64_t n, void (*fn)(void*, int64_t), void* ctx) {
    Pool& p = *static_cast<Pool*>(self);
    {
      std::lock_guard<std::mutex> l(p.mu);
      p.fn = fn;
      p.ctx = ctx;
      p.tasks = n;
      p.next = 0;
      ++p.gen;
      ++p.active;
    }
    p.cv.notify_all();
    p.work();
    std::unique_lock<std::mutex> l(p.mu);
    --p.active;
    p.done_cv.wait(l, [&] { return p.active == 0; });
  }
  Executor exec() { return Executor{n, n > 1 ? &Pool::run : nullptr, this}; }
};

// ---- decoders for the reference (independent of the library's tables)
double dec(ElemType t, const void* base, int64_t idx) {
  switch (t) {
    case ElemType::F32: return static_cast<const float*>(base)[idx];
    case ElemType::BF16: {
      uint32_t b = uint32_t(static_cast<const uint16_t*>(base)[idx]) << 16;
      float f;
      memcpy(&f, &b, 4);
      return f;
    }
    case ElemType::F16: {
      uint16_t h = static_cast<const uint16_t*>(base)[idx];
      int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
      double v = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(1024 + m, e - 25);
      return s ? -v : v;
    }
    case ElemType::F8E4M3FN: {
      uint8_t c = static_cast<const uint8_t*>(base)[idx];
      int s = c >> 7, e = (c >> 3) & 15, m = c & 7;
      double v = (e == 15 && m == 7) ? NAN : e == 0 ? std::ldexp(m, -9) : std::ldexp(8 + m, e - 10);
      return s ? -v : v;
    }
    case ElemType::F8E5M2: {
      uint8_t c = static_cast<const uint8_t*>(base)[idx];
      int s = c >> 7, e = (c >> 2) & 31, m = c & 3;
      double v = e == 31 ? (m ? NAN : INFINITY) : e == 0 ? std::ldexp(m, -16) : std::ldexp(4 + m, e - 17);
      return s ? -v : v;
    }
  }
  return 0;
}

size_t esz(ElemType t) { return t == ElemType::F32 ? 4 : (t == ElemType::F16 || t == ElemType::BF16) ? 2 : 1; }
const char* tname(ElemType t) {
  static const char* n[] = {"f32", "f16", "bf16", "e4m3fn", "e5m2"};
  return n[int(t)];
}

std::mt19937_64 rng(12345);

// random finite value codes, magnitudes spread (fp8 full range incl. subnormals, no NaN/Inf)
void fill(ElemType t, void* p, size_t n, bool tiny_bf16 = false) {
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < n; ++i) {
    switch (t) {
      case ElemType::F32: static_cast<float*>(p)[i] = u(rng) * std::ldexp(1.0f, int(rng() % 8) - 4); break;
      case ElemType::BF16: {
        float f = u(rng) * std::ldexp(1.0f, int(rng() % 16) - 8);
        if (tiny_bf16 && i % 97 == 3) f = std::ldexp(1.0f, -70);
        uint32_t b;
        memcpy(&b, &f, 4);
        static_cast<uint16_t*>(p)[i] = uint16_t(b >> 16);
        break;
      }
      case ElemType::F16: {
        uint16_t h;
        do h = uint16_t(rng()); while (((h >> 10) & 31) == 31 || ((h >> 10) & 31) > 20);
        static_cast<uint16_t*>(p)[i] = h;
        break;
      }
      case ElemType::F8E4M3FN: {
        uint8_t c;
        do c = uint8_t(rng()); while ((c & 0x7f) == 0x7f);
        static_cast<uint8_t*>(p)[i] = c;
        break;
      }
      case ElemType::F8E5M2: {
        uint8_t c;
        do c = uint8_t(rng()); while (((c >> 2) & 31) == 31);
        static_cast<uint8_t*>(p)[i] = c;
        break;
      }
    }
  }
}

int failures = 0, checks = 0;

// layout: 0 = row-major, 1 = transposed (column-major); batch broadcast when bcast
void check_case(int64_t batch, int64_t m, int64_t n, int64_t k, ElemType ta, ElemType tb, int la, int lb, bool bcast_b,
                float alpha, Path force, const Executor& ex, bool tiny = false, bool accumulate = false) {
  const int64_t a_mat = m * k, b_mat = k * n;
  std::vector<uint8_t> A(size_t(batch * a_mat) * esz(ta) + 8), B(size_t((bcast_b ? 1 : batch) * b_mat) * esz(tb) + 8);
  fill(ta, A.data(), size_t(batch * a_mat), tiny);
  fill(tb, B.data(), size_t((bcast_b ? 1 : batch) * b_mat), tiny);
  Problem p;
  p.batch = batch;
  p.m = m;
  p.n = n;
  p.k = k;
  p.a = Operand{A.data(), ta, la == 0 ? k : 1, la == 0 ? 1 : m, a_mat};
  p.b = Operand{B.data(), tb, lb == 0 ? n : 1, lb == 0 ? 1 : k, bcast_b ? 0 : b_mat};
  const int64_t ldc = n + 3;
  std::vector<float> C(size_t(batch * m * ldc), NAN);
  std::vector<float> C0(C.size());
  if (accumulate)
    for (size_t i = 0; i < C.size(); ++i) C0[i] = (i % size_t(ldc)) < size_t(n) ? float(int(i % 7) - 3) * 0.25f : NAN;
  if (accumulate) C = C0;
  p.accumulate = accumulate;
  p.c = C.data();
  p.ldc = ldc;
  p.c_stride_batch = m * ldc;
  p.alpha = alpha;
  Path used = gemm(p, ex, force);
  int bad = 0;
  double worst = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0, sa = 0;
        for (int64_t q = 0; q < k; ++q) {
          double x = dec(ta, A.data(), b * p.a.stride_batch + i * p.a.stride_row + q * p.a.stride_col);
          double y = dec(tb, B.data(), b * p.b.stride_batch + q * p.b.stride_row + j * p.b.stride_col);
          s += x * y;
          sa += std::fabs(x * y);
        }
        const double ref = double(alpha) * s + (accumulate ? double(C0[size_t(b * m * ldc + i * ldc + j)]) : 0.0);
        const double tol = std::fabs(double(alpha)) * (double(k) * std::ldexp(1.0, -24) * sa) + std::ldexp(std::fabs(ref), -23) + 1e-45;
        const double got = C[size_t(b * m * ldc + i * ldc + j)];
        const double err = std::fabs(got - ref);
        if (!(err <= tol)) {
          if (bad < 3)
            printf("  MISMATCH b=%lld i=%lld j=%lld got %.9g ref %.9g tol %.3g\n", (long long)b, (long long)i, (long long)j, got, ref, tol);
          ++bad;
        }
        if (tol > 0) worst = std::max(worst, err / tol);
      }
  // padding columns of C must be untouched
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = n; j < ldc; ++j)
        if (!std::isnan(C[size_t(b * m * ldc + i * ldc + j)])) {
          if (bad < 3) printf("  wrote outside C at i=%lld j=%lld\n", (long long)i, (long long)j);
          ++bad;
        }
  if (tiny && used == Path::Avx512Bf16) {
    printf("  the bf16 path took bf16 values below 2^-56\n");
    ++bad;
  }
  ++checks;
  if (bad) {
    ++failures;
    printf("FAIL %s path=%s batch=%lld m=%lld n=%lld k=%lld %s×%s layouts %d%d bcast=%d alpha=%g: %d bad\n", path_name(force),
           path_name(used), (long long)batch, (long long)m, (long long)n, (long long)k, tname(ta), tname(tb), la, lb, bcast_b,
           alpha, bad);
  }
}

int do_check() {
  Pool pool2(2);
  Executor serial{};
  Executor par = pool2.exec();
  std::vector<Path> paths = {Path::Generic};
  if (cpu_has_avx2_fma()) paths.push_back(Path::Avx2F32);
  if (cpu_has_avx512f()) paths.push_back(Path::Avx512F32);
  if (cpu_has_avx512bf16()) paths.push_back(Path::Avx512Bf16);
  const ElemType types[] = {ElemType::F32, ElemType::F16, ElemType::BF16, ElemType::F8E4M3FN, ElemType::F8E5M2};
  const int64_t shapes[][3] = {{1, 1, 1},   {3, 5, 7},    {14, 32, 2},  {6, 16, 256}, {15, 33, 257}, {29, 63, 511},
                               {64, 64, 64}, {100, 70, 513}, {1, 300, 40}, {300, 1, 40}, {33, 17, 1},  {130, 520, 300}};
  for (Path path : paths) {
    printf("path %s\n", path_name(path));
    for (auto& sh : shapes)
      for (int l = 0; l < 4; ++l)
        check_case(1, sh[0], sh[1], sh[2], ElemType::F32, ElemType::F32, l & 1, l >> 1, false, 1.0f, path, (l & 1) ? par : serial);
    for (ElemType ta : types)
      for (ElemType tb : types) {
        check_case(1, 37, 45, 129, ta, tb, 0, 0, false, 1.0f, path, serial);
        check_case(2, 19, 70, 67, ta, tb, 1, 1, true, 0.375f, path, par);
        check_case(1, 150, 130, 600, ta, tb, 0, 1, false, 2.0f, path, par);
      }
    check_case(5, 9, 13, 11, ElemType::F32, ElemType::F8E4M3FN, 0, 0, false, -0.5f, path, par);  // batch-parallel mode
    check_case(3, 120, 100, 300, ElemType::BF16, ElemType::BF16, 0, 0, false, 1.0f, path, par, true);  // tiny bf16 → f32 redo
    check_case(1, 1030, 40, 20, ElemType::F32, ElemType::F32, 0, 0, false, 1.0f, path, par);
    check_case(1, 40, 50, 30, ElemType::F32, ElemType::BF16, 0, 0, false, 1.5f, path, par, false, true);   // accumulate, one k block
    check_case(2, 40, 50, 1300, ElemType::BF16, ElemType::F8E5M2, 1, 0, false, -2.0f, path, par, false, true);  // several k blocks
    check_case(1, 40, 50, 1300, ElemType::F32, ElemType::F32, 0, 0, false, 1.0f, path, serial, false, true);
  }
  // big one through auto on 2 threads, every type
  for (ElemType t : types) check_case(1, 257, 255, 1100, t, t, 0, 0, false, 1.0f, Path::Auto, par);
  check_case(1, 9000, 3, 5, ElemType::F32, ElemType::F32, 0, 1, false, 1.0f, Path::Auto, par);  // M beyond one chunk
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}

int do_bench(int n, int threads, ElemType t, Path force) {
  Pool pool(threads);
  Executor ex = pool.exec();
  std::vector<uint8_t> A(size_t(n) * n * esz(t)), B(size_t(n) * n * esz(t));
  fill(t, A.data(), size_t(n) * n);
  fill(t, B.data(), size_t(n) * n);
  std::vector<float> C(size_t(n) * n);
  Problem p;
  p.m = p.n = p.k = n;
  p.a = Operand{A.data(), t, n, 1, 0};
  p.b = Operand{B.data(), t, n, 1, 0};
  p.c = C.data();
  p.ldc = n;
  std::vector<double> ts, cs;
  Path used = gemm(p, ex, force);
  stats_enable(true);
  stats_take();
  for (int r = 0; r < 15; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    gemm(p, ex, force);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    cs.push_back((c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec));
  }
  Stats st = stats_take();
  std::sort(ts.begin(), ts.end());
  std::sort(cs.begin(), cs.end());
  double med = ts[ts.size() / 2];
  printf("%-6s n=%d threads=%d path=%s median %.3f ms  %.1f GFLOP/s (best %.1f, cpu-time %.1f)  pack %.1f%% kernel %.1f%%\n", tname(t), n, threads,
         path_name(used), med * 1e3, 2.0 * n * n * n / med / 1e9, 2.0 * n * n * n / ts[0] / 1e9, 2.0 * n * n * n * threads / cs[cs.size() / 2] / 1e9,
         100 * st.pack_seconds / (st.pack_seconds + st.kernel_seconds), 100 * st.kernel_seconds / (st.pack_seconds + st.kernel_seconds));
  return 0;
}

#if defined(SCALIFY_GEMM_OPENBLAS)
#include <cblas.h>
// Interleaved against OpenBLAS call by call in one process, so that both see the same machine
// noise: median (best) GFLOP/s of each and the ratio of medians.
int do_compare(int n, int threads, int reps) {
  Pool pool(threads);
  Executor ex = pool.exec();
  openblas_set_num_threads(threads);
  std::vector<float> A(size_t(n) * n), B(size_t(n) * n), C(size_t(n) * n);
  fill(ElemType::F32, A.data(), A.size());
  fill(ElemType::F32, B.data(), B.size());
  Problem p;
  p.m = p.n = p.k = n;
  p.a = Operand{A.data(), ElemType::F32, n, 1, 0};
  p.b = Operand{B.data(), ElemType::F32, n, 1, 0};
  p.c = C.data();
  p.ldc = n;
  std::vector<double> ours, blas;
  for (int r = 0; r < reps + 2; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    gemm(p, ex);
    auto t1 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
    auto t2 = std::chrono::steady_clock::now();
    if (r < 2) continue;
    ours.push_back(std::chrono::duration<double>(t1 - t0).count());
    blas.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  std::sort(ours.begin(), ours.end());
  std::sort(blas.begin(), blas.end());
  const double f = 2.0 * n * n * n / 1e9;
  printf("f32 n=%d threads=%d  this gemm %.1f (best %.1f) GFLOP/s | OpenBLAS %.1f (best %.1f) | ratio of medians %.2f\n", n, threads,
         f / ours[ours.size() / 2], f / ours[0], f / blas[blas.size() / 2], f / blas[0], blas[blas.size() / 2] / ours[ours.size() / 2]);
  return 0;
}
#endif

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "check")) return do_check();
  if (argc > 2 && !strcmp(argv[1], "bench")) {
    int n = atoi(argv[2]), th = argc > 3 ? atoi(argv[3]) : 1;
    ElemType t = ElemType::F32;
    if (argc > 4)
      for (int i = 0; i < 5; ++i)
        if (!strcmp(argv[4], tname(ElemType(i)))) t = ElemType(i);
    Path force = argc > 5 ? Path(atoi(argv[5])) : Path::Auto;
    return do_bench(n, th, t, force);
  }
#if defined(SCALIFY_GEMM_OPENBLAS)
  if (argc > 2 && !strcmp(argv[1], "compare")) return do_compare(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 1, argc > 4 ? atoi(argv[4]) : 31);
#endif
  printf("usage: gemm_test check | bench N [threads] [dtype] [path] | compare N [threads] [reps] (with OpenBLAS)\n");
  return 2;
}
