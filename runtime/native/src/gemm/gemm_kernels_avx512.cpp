// AVX-512 micro-kernels (Zen 4, Sapphire Rapids, …), 14×32 register tile (28 zmm accumulators,
// 2 B vectors, 1-2 broadcasts):
//   * f32 FMA (vfmadd231ps): A broadcast per row, B two 16-lane vectors per k;
//   * bf16 dot products (vdpbf16ps, AVX512-BF16): per PAIR of k, a 32-bit broadcast of
//     (A[i][k], A[i][k+1]) against B lanes (B[k][j], B[k+1][j]); each lane adds both exact
//     products to its f32 accumulator. Used for bf16, e4m3fn and e5m2 operands (decoded exactly
//     to bf16 while packing).
// Compiled for AVX-512 by the pragma below whatever the unit's -march; only called after a CPU
// check. With SCALIFY_GEMM_SIMDE defined (tests on machines without AVX-512) the same source is
// compiled against SIMDe's portable emulation of the intrinsics.
#if defined(SCALIFY_GEMM_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define SF_HAVE_AVX512_UNIT 1
#elif defined(__x86_64__) && !defined(SCALIFY_GEMM_NO_X86) && !defined(SCALIFY_GEMM_NO_AVX512)
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma,f16c")
#include <immintrin.h>
#define SF_HAVE_AVX512_UNIT 1
#endif

#if defined(SF_HAVE_AVX512_UNIT)
#include "gemm_pack.h"
#include "gemm_pack_vec.h"

namespace scalify_gemm {
namespace detail {
namespace {

constexpr int MR = 14, NR = 32;

inline __m512bh as_bh(__m512i x) {
  __m512bh r;
  __builtin_memcpy(&r, &x, sizeof r);
  return r;
}

template <bool kBf16>
inline void store_tile(__m512 (&acc)[MR][2], float* c, int64_t ldc, int flags, float alpha) {
  const __m512 al = _mm512_set1_ps(alpha);
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    float* p = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (flags & kAccumulate) {
      v0 = _mm512_add_ps(_mm512_loadu_ps(p), v0);
      v1 = _mm512_add_ps(_mm512_loadu_ps(p + 16), v1);
    }
    if (flags & kScale) {
      v0 = _mm512_mul_ps(v0, al);
      v1 = _mm512_mul_ps(v1, al);
    }
    if (flags & kAddC) {
      v0 = _mm512_add_ps(_mm512_loadu_ps(p), v0);
      v1 = _mm512_add_ps(_mm512_loadu_ps(p + 16), v1);
    }
    _mm512_storeu_ps(p, v0);
    _mm512_storeu_ps(p + 16, v1);
  }
}

void kernel_f32_14x32(int64_t kcp, const void* av, const void* bv, float* c, int64_t ldc, int flags, float alpha) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  __m512 acc[MR][2];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int64_t k = 0; k < kcp; ++k) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 32 * 8), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 x = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  store_tile<false>(acc, c, ldc, flags, alpha);
}

void kernel_bf16_14x32(int64_t kcp, const void* av, const void* bv, float* c, int64_t ldc, int flags, float alpha) {
  const int32_t* a = static_cast<const int32_t*>(av);  // (A[i][k], A[i][k+1]) pairs, MR per k-pair
  const uint16_t* b = static_cast<const uint16_t*>(bv);
  __m512 acc[MR][2];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int64_t k = 0; k < kcp; k += 2) {
    const __m512bh b0 = as_bh(_mm512_load_si512(b)), b1 = as_bh(_mm512_load_si512(b + 32));
    _mm_prefetch(reinterpret_cast<const char*>(b + 64 * 8), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512bh x = as_bh(_mm512_set1_epi32(a[i]));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, b1);
    }
    a += MR;
    b += 2 * NR;
  }
  store_tile<true>(acc, c, ldc, flags, alpha);
}

KernelSpec make_f32() {
  KernelSpec s{};
  s.path = Path::Avx512F32;
  s.mr = MR;
  s.nr = NR;
  s.kp = 1;
  s.bytes = 4;
  s.mc = 14 * 8;
  s.kc = 256;   // A micro-panel 14×256×4 = 14 KB stays in L1d (32 KB)
  s.nc = 4096;
  s.nw = 512;   // B block 256×512×4 = 512 KB streams from L2 (1 MB)
  s.a_resident = true;
  s.kernel = &kernel_f32_14x32;
  fill_pack_avx2<MR, false>(s.pack_a);  // A: row-major (k contiguous) is the common case
  fill_pack_avx2<NR, true>(s.pack_b);   // B: row-major (columns contiguous) is the common case
  return s;
}

KernelSpec make_bf16() {
  KernelSpec s{};
  s.path = Path::Avx512Bf16;
  s.mr = MR;
  s.nr = NR;
  s.kp = 2;
  s.bytes = 2;
  s.mc = 14 * 8;
  s.kc = 512;   // A micro-panel 14×512×2 = 14 KB in L1d
  s.nc = 4096;
  s.nw = 512;   // B block 512×512×2 = 512 KB in L2
  s.a_resident = true;
  s.kernel = &kernel_bf16_14x32;
  fill_pack_bf16<MR>(s.pack_a);
  fill_pack_bf16<NR>(s.pack_b);
  return s;
}

}  // namespace

// Built on first use, after the driver's CPU check (see gemm_kernels_avx2.cpp).
const KernelSpec* spec_avx512_f32() {
  static const KernelSpec s = make_f32();
  return &s;
}
const KernelSpec* spec_avx512_bf16() {
  static const KernelSpec s = make_bf16();
  return &s;
}

}  // namespace detail
}  // namespace scalify_gemm

#else
#include "gemm_internal.h"
namespace scalify_gemm {
namespace detail {
const KernelSpec* spec_avx512_f32() { return nullptr; }
const KernelSpec* spec_avx512_bf16() { return nullptr; }
}  // namespace detail
}  // namespace scalify_gemm
#endif
