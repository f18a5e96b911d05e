// The blocked matmul driver (GotoBLAS / BLIS structure):
//
//   for jc in N step NC:                       B columns packed at once (L3)
//     for pc in K step KC:                     one rank-KC update of C
//       for ic in M step MCHUNK:
//         [parallel] pack B[pc:pc+KC, jc:jc+NC] (first ic only) and A[ic:ic+MCHUNK, pc:pc+KC]
//                    into micro-panels, decoding low-precision codes exactly on the way
//         [parallel] tasks of MC rows × NW columns of C; in each, the micro-kernel runs on
//                    MR×NR tiles in the order that keeps one micro-panel in L1d
//
// Edges: packed panels are zero padded to MR / NR rows and to the kernel's k-grouping; partial
// C tiles go through a small buffer. Any strides (transposed operands, broadcast batches) are
// handled by the packing. Batches run one after another with all threads, or, when each
// product is small, concurrently with one thread each.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "gemm_internal.h"
#include "gemm_pack.h"

namespace scalify_gemm {

namespace {

// ---------------------------------------------------------------- CPU features

struct Cpu {
  bool avx2_fma = false, avx512f = false, avx512bf16 = false;
  Cpu() {
#if defined(__x86_64__) && !defined(SCALIFY_GEMM_NO_X86)
    __builtin_cpu_init();
    avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    avx512f = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
              __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && avx2_fma;
    avx512bf16 = avx512f && __builtin_cpu_supports("avx512bf16");
#endif
#if defined(SCALIFY_GEMM_ASSUME_AVX512)
    // test builds only: the AVX-512 unit is compiled against SIMDe's emulation
    avx512f = avx512bf16 = true;
#endif
    // Test hook: SCALIFY_GEMM_ISA=generic|avx2|avx512 caps what the dispatcher may use.
    if (const char* cap = std::getenv("SCALIFY_GEMM_ISA")) {
      if (!std::strcmp(cap, "generic")) avx2_fma = avx512f = avx512bf16 = false;
      else if (!std::strcmp(cap, "avx2")) avx512f = avx512bf16 = false;
      else if (!std::strcmp(cap, "avx512f")) avx512bf16 = false;
    }
  }
};
const Cpu& cpu() {
  static const Cpu c;
  return c;
}

// ---------------------------------------------------------------- statistics

std::atomic<bool> g_stats_on{false};
std::atomic<int64_t> g_pack_ns{0}, g_kernel_ns{0};

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- portable kernel (4×16)

constexpr int GMR = 4, GNR = 16;

void kernel_generic(int64_t kcp, const void* av, const void* bv, float* c, int64_t ldc, int flags, float alpha) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  float acc[GMR][GNR] = {};
  for (int64_t k = 0; k < kcp; ++k) {
    for (int i = 0; i < GMR; ++i) {
      const float x = a[i];
      for (int j = 0; j < GNR; ++j) acc[i][j] += x * b[j];
    }
    a += GMR;
    b += GNR;
  }
  for (int i = 0; i < GMR; ++i)
    for (int j = 0; j < GNR; ++j) {
      float v = acc[i][j];
      if (flags & detail::kAccumulate) v = c[i * ldc + j] + v;
      if (flags & detail::kScale) v = v * alpha;
      if (flags & detail::kAddC) v = c[i * ldc + j] + v;
      c[i * ldc + j] = v;
    }
}

detail::KernelSpec make_generic() {
  detail::KernelSpec s{};
  s.path = Path::Generic;
  s.mr = GMR;
  s.nr = GNR;
  s.kp = 1;
  s.bytes = 4;
  s.mc = 64;
  s.kc = 256;
  s.nc = 4096;
  s.nw = 4096;
  s.a_resident = false;
  s.kernel = &kernel_generic;
  detail::fill_pack_f32<GMR>(s.pack_a);
  detail::fill_pack_f32<GNR>(s.pack_b);
  return s;
}

// ---------------------------------------------------------------- workspace

struct Buffer {
  void* p = nullptr;
  size_t size = 0;
  void* get(size_t n) {
    if (n > size) {
      std::free(p);
      size = (n + 4095) & ~size_t(4095);
      p = std::aligned_alloc(64, size);
      if (!p) {
        size = 0;
        throw std::bad_alloc();
      }
    }
    return p;
  }
  ~Buffer() { std::free(p); }
};
struct Workspace {
  Buffer a, b;
};
Workspace& workspace() {
  static thread_local Workspace w;
  return w;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

void run_tasks(const Executor& ex, int64_t n, void (*fn)(void*, int64_t), void* ctx) {
  if (n <= 0) return;
  if (ex.num_threads <= 1 || ex.run == nullptr || n == 1) {
    for (int64_t t = 0; t < n; ++t) fn(ctx, t);
    return;
  }
  ex.run(ex.self, n, fn, ctx);
}

// One (non-batched) product with pointers already offset to the batch.
struct Single {
  const detail::KernelSpec* spec;
  int64_t m, n, k;
  const char* a;  // bytes
  int64_t a_rs, a_cs, a_esz;
  ElemType a_type;
  ElementMap a_map;
  const char* b;
  int64_t b_rs, b_cs, b_esz;
  ElemType b_type;
  ElementMap b_map;
  float* c;
  int64_t ldc;
  float alpha;
  bool accumulate;  // c = c + alpha·acc (only when K fits one k block, see one_batch)
};

size_t elem_size(ElemType t) {
  switch (t) {
    case ElemType::F32: return 4;
    case ElemType::F16:
    case ElemType::BF16: return 2;
    default: return 1;
  }
}

// State of one (jc, pc, ic) step, shared with the tasks.
struct Step {
  const Single* s;
  int64_t jc, ncur, pc, kcur, kcp, ic, mcur;
  bool pack_b;
  char* abuf;
  char* bbuf;
  int64_t a_panels, b_panels, panels_per_task;
  std::atomic<int> tiny{0};
  // compute
  int64_t mc, nw, nmb, nnb;
  int flags;
};

void pack_task(void* ctx, int64_t t) {
  Step& st = *static_cast<Step*>(ctx);
  const Single& s = *st.s;
  const detail::KernelSpec& sp = *s.spec;
  const int64_t t0 = g_stats_on.load(std::memory_order_relaxed) ? now_ns() : 0;
  const int64_t total = st.a_panels + (st.pack_b ? st.b_panels : 0);
  const int64_t begin = t * st.panels_per_task, end = min64(total, begin + st.panels_per_task);
  int tiny = 0;
  for (int64_t q = begin; q < end; ++q) {
    if (q < st.a_panels) {
      const int64_t i0 = q * sp.mr;
      const int rows = int(min64(sp.mr, st.mcur - i0));
      const char* src = s.a + ((st.ic + i0) * s.a_rs + st.pc * s.a_cs) * s.a_esz;
      char* dst = st.abuf + q * sp.mr * st.kcp * sp.bytes;
      tiny |= sp.pack_a[int(s.a_type)](src, s.a_rs, s.a_cs, rows, st.kcur, dst);
      if (s.a_map) s.a_map(reinterpret_cast<float*>(dst), sp.mr * st.kcp);  // f32 path only (choose)
    } else {
      const int64_t qb = q - st.a_panels;
      const int64_t j0 = qb * sp.nr;
      const int cols = int(min64(sp.nr, st.ncur - j0));
      const char* src = s.b + (st.pc * s.b_rs + (st.jc + j0) * s.b_cs) * s.b_esz;
      char* dst = st.bbuf + qb * sp.nr * st.kcp * sp.bytes;
      tiny |= sp.pack_b[int(s.b_type)](src, s.b_cs, s.b_rs, cols, st.kcur, dst);
      if (s.b_map) s.b_map(reinterpret_cast<float*>(dst), sp.nr * st.kcp);
    }
  }
  if (tiny) st.tiny.store(1, std::memory_order_relaxed);
  if (t0) g_pack_ns.fetch_add(now_ns() - t0, std::memory_order_relaxed);
}

inline void tile(const Step& st, int64_t ir, int64_t jr) {
  const Single& s = *st.s;
  const detail::KernelSpec& sp = *s.spec;
  const char* ap = st.abuf + (ir / sp.mr) * sp.mr * st.kcp * sp.bytes;
  const char* bp = st.bbuf + (jr / sp.nr) * sp.nr * st.kcp * sp.bytes;
  float* c = s.c + (st.ic + ir) * s.ldc + st.jc + jr;
  const int64_t rows = min64(sp.mr, st.mcur - ir), cols = min64(sp.nr, st.ncur - jr);
  if (rows == sp.mr && cols == sp.nr) {
    sp.kernel(st.kcp, ap, bp, c, s.ldc, st.flags, s.alpha);
    return;
  }
  alignas(64) float tmp[32 * 32];  // mr*nr ≤ 1024 for every kernel
  sp.kernel(st.kcp, ap, bp, tmp, sp.nr, 0, 1.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float v = tmp[i * sp.nr + j];
      float* p = c + i * s.ldc + j;
      if (st.flags & detail::kAccumulate) v = *p + v;
      if (st.flags & detail::kScale) v = v * s.alpha;
      if (st.flags & detail::kAddC) v = *p + v;
      *p = v;
    }
}

void compute_task(void* ctx, int64_t t) {
  const Step& st = *static_cast<const Step*>(ctx);
  const detail::KernelSpec& sp = *st.s->spec;
  const int64_t t0 = g_stats_on.load(std::memory_order_relaxed) ? now_ns() : 0;
  const int64_t mb = t % st.nmb, nb = t / st.nmb;
  const int64_t i_begin = mb * st.mc, i_end = min64(st.mcur, i_begin + st.mc);
  const int64_t j_begin = nb * st.nw, j_end = min64(st.ncur, j_begin + st.nw);
  if (sp.a_resident) {
    for (int64_t ir = i_begin; ir < i_end; ir += sp.mr)
      for (int64_t jr = j_begin; jr < j_end; jr += sp.nr) tile(st, ir, jr);
  } else {
    for (int64_t jr = j_begin; jr < j_end; jr += sp.nr)
      for (int64_t ir = i_begin; ir < i_end; ir += sp.mr) tile(st, ir, jr);
  }
  if (t0) g_kernel_ns.fetch_add(now_ns() - t0, std::memory_order_relaxed);
}

// Returns false when the bf16 path met a value it cannot take exactly (see PackFn).
bool run_single(const Single& s, const Executor& ex) {
  const detail::KernelSpec& sp = *s.spec;
  const int threads = (ex.run && ex.num_threads > 1) ? ex.num_threads : 1;
  const int64_t kc_blk = sp.kc;
  const int64_t nc_blk = min64(sp.nc, round_up(s.n, sp.nr));
  // Rows of A packed at once: all of M up to a bound on the buffer (A is re-packed per jc).
  const int64_t mchunk = min64(round_up(s.m, sp.mr), round_up(8192, sp.mc));
  const int64_t kcp_max = round_up(min64(kc_blk, s.k), sp.kp);
  Workspace& ws = workspace();
  char* abuf = static_cast<char*>(ws.a.get(size_t(round_up(mchunk, sp.mr) * kcp_max * sp.bytes) + 64));
  char* bbuf = static_cast<char*>(ws.b.get(size_t(round_up(nc_blk, sp.nr) * kcp_max * sp.bytes) + 64));

  for (int64_t jc = 0; jc < s.n; jc += nc_blk) {
    const int64_t ncur = min64(nc_blk, s.n - jc);
    for (int64_t pc = 0; pc < s.k; pc += kc_blk) {
      const int64_t kcur = min64(kc_blk, s.k - pc);
      for (int64_t ic = 0; ic < s.m; ic += mchunk) {
        Step st;
        st.s = &s;
        st.jc = jc;
        st.ncur = ncur;
        st.pc = pc;
        st.kcur = kcur;
        st.kcp = round_up(kcur, sp.kp);
        st.ic = ic;
        st.mcur = min64(mchunk, s.m - ic);
        st.pack_b = ic == 0;
        st.abuf = abuf;
        st.bbuf = bbuf;
        st.a_panels = ceil_div(st.mcur, sp.mr);
        st.b_panels = ceil_div(ncur, sp.nr);
        const int64_t total = st.a_panels + (st.pack_b ? st.b_panels : 0);
        // a few pack tasks per thread (load balance), each at least a few panels
        st.panels_per_task = threads == 1 ? total : max64(4, ceil_div(total, 4 * threads));
        run_tasks(ex, ceil_div(total, st.panels_per_task), &pack_task, &st);
        if (st.tiny.load()) return false;

        const bool last = pc + kc_blk >= s.k;
        st.flags = (pc > 0 ? detail::kAccumulate : 0) | (last && s.alpha != 1.0f ? detail::kScale : 0) |
                   (last && s.accumulate ? detail::kAddC : 0);
        st.mc = sp.mc;
        st.nw = min64(sp.nw, round_up(ncur, sp.nr));
        st.nmb = ceil_div(st.mcur, st.mc);
        st.nnb = ceil_div(ncur, st.nw);
        if (threads > 1) {
          // Enough tasks to keep every thread busy: split N finer, then M, down to one tile.
          const int64_t want = 3 * threads;
          while (st.nmb * st.nnb < want && st.nw > sp.nr) {
            st.nw = max64(sp.nr, round_up(st.nw / 2, sp.nr));
            st.nnb = ceil_div(ncur, st.nw);
          }
          while (st.nmb * st.nnb < want && st.mc > sp.mr) {
            st.mc = max64(sp.mr, round_up(st.mc / 2, sp.mr));
            st.nmb = ceil_div(st.mcur, st.mc);
          }
        }
        run_tasks(ex, st.nmb * st.nnb, &compute_task, &st);
      }
    }
  }
  return true;
}

// Tuning hook for benchmarks: SCALIFY_GEMM_TUNE="mc=96,kc=384,nc=4096,nw=512,a_resident=1"
// overrides the cache blocking of every path (values are rounded to the kernel's tile).
detail::KernelSpec tuned(detail::KernelSpec s) {
  const char* env = std::getenv("SCALIFY_GEMM_TUNE");
  if (!env) return s;
  const char* q = env;
  while (*q) {
    const char* eq = std::strchr(q, '=');
    if (!eq) break;
    const std::string key(q, size_t(eq - q));
    char* end = nullptr;
    const long long v = std::strtoll(eq + 1, &end, 10);
    if (v > 0) {
      if (key == "mc") s.mc = round_up(v, s.mr);
      else if (key == "kc") s.kc = round_up(v, s.kp);
      else if (key == "nc") s.nc = round_up(v, s.nr);
      else if (key == "nw") s.nw = round_up(v, s.nr);
    }
    if (key == "a_resident") s.a_resident = v != 0;
    q = (end && *end == ',') ? end + 1 : (end ? end : eq + 1);
    if (end && *end != ',' && *end) break;
  }
  return s;
}

const detail::KernelSpec* spec_for(Path p) {
  switch (p) {
    case Path::Avx512Bf16: {
      static const detail::KernelSpec s = tuned(*detail::spec_avx512_bf16());
      return &s;
    }
    case Path::Avx512F32: {
      static const detail::KernelSpec s = tuned(*detail::spec_avx512_f32());
      return &s;
    }
    case Path::Avx2F32: {
      static const detail::KernelSpec s = tuned(*detail::spec_avx2_f32());
      return &s;
    }
    default: {
      static const detail::KernelSpec g = tuned(make_generic());
      return &g;
    }
  }
}

bool bf16_exact(ElemType t) { return t == ElemType::BF16 || t == ElemType::F8E4M3FN || t == ElemType::F8E5M2; }

Path best_f32_path() {
  const Cpu& c = cpu();
  if (c.avx512f && detail::spec_avx512_f32()) return Path::Avx512F32;
  if (c.avx2_fma && detail::spec_avx2_f32()) return Path::Avx2F32;
  return Path::Generic;
}

bool path_available(Path p) {
  const Cpu& c = cpu();
  switch (p) {
    case Path::Avx512Bf16: return c.avx512bf16 && detail::spec_avx512_bf16();
    case Path::Avx512F32: return c.avx512f && detail::spec_avx512_f32();
    case Path::Avx2F32: return c.avx2_fma && detail::spec_avx2_f32();
    case Path::Generic: return true;
    default: return false;
  }
}

Path choose(const Problem& p, Path force) {
  const bool bf16_ok = bf16_exact(p.a.type) && bf16_exact(p.b.type) && !p.a.map && !p.b.map;
  if (force != Path::Auto && path_available(force) && (force != Path::Avx512Bf16 || bf16_ok)) return force;
  if (bf16_ok && path_available(Path::Avx512Bf16)) return Path::Avx512Bf16;
  return best_f32_path();
}

struct BatchCtx {
  const Problem* p;
  Path path;
  std::atomic<bool> declined{false};
};

Single make_single(const Problem& p, const detail::KernelSpec* spec, int64_t b) {
  Single s;
  s.spec = spec;
  s.m = p.m;
  s.n = p.n;
  s.k = p.k;
  s.a_esz = int64_t(elem_size(p.a.type));
  s.b_esz = int64_t(elem_size(p.b.type));
  s.a = static_cast<const char*>(p.a.data) + b * p.a.stride_batch * s.a_esz;
  s.b = static_cast<const char*>(p.b.data) + b * p.b.stride_batch * s.b_esz;
  s.a_rs = p.a.stride_row;
  s.a_cs = p.a.stride_col;
  s.a_type = p.a.type;
  s.a_map = p.a.map;
  s.b_rs = p.b.stride_row;
  s.b_cs = p.b.stride_col;
  s.b_type = p.b.type;
  s.b_map = p.b.map;
  s.c = p.c + b * p.c_stride_batch;
  s.ldc = p.ldc;
  s.alpha = p.alpha;
  s.accumulate = p.accumulate;
  return s;
}

// Returns false when the bf16 path declined and the f32 path did the product.
bool run_with_fallback(Single& s, const Executor& ex) {
  if (run_single(s, ex)) return true;
  s.spec = spec_for(best_f32_path());  // bf16 path declined: exact f32 path instead
  run_single(s, ex);
  return false;
}

float decode_at(ElemType t, const char* base, int64_t idx) {
  switch (t) {
    case ElemType::F32: return detail::Src<ElemType::F32>::f32(reinterpret_cast<const float*>(base)[idx]);
    case ElemType::F16: return detail::Src<ElemType::F16>::f32(reinterpret_cast<const uint16_t*>(base)[idx]);
    case ElemType::BF16: return detail::Src<ElemType::BF16>::f32(reinterpret_cast<const uint16_t*>(base)[idx]);
    case ElemType::F8E4M3FN: return detail::Src<ElemType::F8E4M3FN>::f32(reinterpret_cast<const uint8_t*>(base)[idx]);
    case ElemType::F8E5M2: return detail::Src<ElemType::F8E5M2>::f32(reinterpret_cast<const uint8_t*>(base)[idx]);
  }
  return 0.0f;
}

// Unblocked product without any allocation (used only when the packing buffers cannot be had).
void naive_single(const Single& s) {
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      float acc = 0.0f;
      for (int64_t q = 0; q < s.k; ++q) {
        float a = decode_at(s.a_type, s.a, i * s.a_rs + q * s.a_cs), b = decode_at(s.b_type, s.b, q * s.b_rs + j * s.b_cs);
        if (s.a_map) s.a_map(&a, 1);
        if (s.b_map) s.b_map(&b, 1);
        acc += a * b;
      }
      float& c = s.c[i * s.ldc + j];
      const float v = s.alpha * acc;
      c = s.accumulate ? c + v : v;
    }
}

bool one_batch_blocked(const Problem& p, Path path, int64_t b, const Executor& ex);

// Never throws: the buffers are obtained before C is touched, so on bad_alloc the batch is
// simply recomputed without them.
// Returns false when the bf16 path declined (see run_with_fallback).
bool one_batch(const Problem& p, Path path, int64_t b, const Executor& ex) {
  try {
    return one_batch_blocked(p, path, b, ex);
  } catch (const std::bad_alloc&) {
    naive_single(make_single(p, spec_for(Path::Generic), b));
    return true;
  }
}

bool one_batch_blocked(const Problem& p, Path path, int64_t b, const Executor& ex) {
  Single s = make_single(p, spec_for(path), b);
  if (!s.accumulate || s.k <= s.spec->kc) {
    // C itself holds the partial sums of the k blocks (or K fits one block: c + alpha·acc at once)
    return run_with_fallback(s, ex);
  }
  // c = c + alpha·acc with several k blocks: sum into a scratch matrix first.
  static thread_local Buffer scratch;
  float* const c = s.c;
  const int64_t ldc = s.ldc;
  const float alpha = s.alpha;
  float* t = static_cast<float*>(scratch.get(size_t(s.m * s.n) * sizeof(float)));
  s.c = t;
  s.ldc = s.n;
  s.alpha = 1.0f;
  s.accumulate = false;
  const bool ok = run_with_fallback(s, ex);
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) c[i * ldc + j] = c[i * ldc + j] + alpha * t[i * s.n + j];
  return ok;
}

void batch_task(void* ctx, int64_t b) {
  BatchCtx& bc = *static_cast<BatchCtx*>(ctx);
  if (!one_batch(*bc.p, bc.path, b, Executor{})) bc.declined.store(true);
}

}  // namespace

bool cpu_has_avx2_fma() { return cpu().avx2_fma; }
bool cpu_has_avx512f() { return cpu().avx512f; }
bool cpu_has_avx512bf16() { return cpu().avx512bf16; }

const char* path_name(Path p) {
  switch (p) {
    case Path::Auto: return "auto";
    case Path::Generic: return "generic-f32";
    case Path::Avx2F32: return "avx2-f32";
    case Path::Avx512F32: return "avx512-f32";
    case Path::Avx512Bf16: return "avx512-bf16";
  }
  return "?";
}

void stats_enable(bool on) { g_stats_on.store(on); }
Stats stats_take() {
  Stats s;
  s.pack_seconds = double(g_pack_ns.exchange(0)) * 1e-9;
  s.kernel_seconds = double(g_kernel_ns.exchange(0)) * 1e-9;
  return s;
}

Path gemm(const Problem& p, const Executor& ex, Path force) {
  const Path path = choose(p, force);
  if (p.batch <= 0 || p.m <= 0 || p.n <= 0) return path;
  if (p.k <= 0) {  // the sum is +0: c = alpha·0 (with accumulate, c = c + alpha·0)
    const float z = p.alpha * 0.0f;
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
          float& c = p.c[b * p.c_stride_batch + i * p.ldc + j];
          c = p.accumulate ? c + z : z;
        }
    return path;
  }
  const int threads = (ex.run && ex.num_threads > 1) ? ex.num_threads : 1;
  const double flops = 2.0 * double(p.m) * double(p.n) * double(p.k);
  // Small products of a batch: one thread each (no synchronisation inside a product).
  if (threads > 1 && p.batch >= threads && flops < 8e6) {
    BatchCtx bc;
    bc.p = &p;
    bc.path = path;
    ex.run(ex.self, p.batch, &batch_task, &bc);
    return bc.declined.load() ? best_f32_path() : path;
  }
  // Small products: inline, no thread hand-off. Below ~5 MFLOP the second thread costs more
  // than it brings here (its wake-up and the two barriers of each k block): 128×512×10 takes
  // 49 µs on one thread and 73 µs on two, 128³ the same on both, 128×512×64 0.94× on two.
  const Executor serial{};
  const Executor& use = flops < 5e6 ? serial : ex;
  bool declined = false;
  for (int64_t b = 0; b < p.batch; ++b) declined |= !one_batch(p, path, b, use);
  return declined ? best_f32_path() : path;
}

}  // namespace scalify_gemm
