// erf in double by W. J. Cody's rational Chebyshev approximations (Math. Comp. 23 (1969)
// 631–637; SPECFUN CALERF): the same algorithm, coefficients and evaluation order as
// runtime/kernels/erf.ts (DESIGN.md: erf is one documented algorithm in both backends).
#include <cmath>

#include "core.h"

namespace scalify {

namespace {

const double A[5] = {3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153};
const double B[4] = {23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062};
const double C[9] = {0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
                     1712.04761263407058,  2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8};
const double D[8] = {15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
                     3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942};
const double P[6] = {0.305326634961232344, 0.360344899949804439, 0.125781726111229246,
                     0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978};
const double Q[5] = {2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185};

const double SQRPI = 0.56418958354775628695;
const double XSMALL = 1.11e-16;
const double XBIG = 26.543;

/** e^{−y²}·r with y split as ysq + δ (ysq a multiple of 1/16), multiplied left to right as CALERF. */
double times_exp_minus_square(double y, double r) {
  const double ysq = std::trunc(y * 16) / 16;
  const double del = (y - ysq) * (y + ysq);
  return std::exp(-ysq * ysq) * std::exp(-del) * r;
}

double erfc_positive(double y) {
  if (y <= 4) {
    double num = C[8] * y;
    double den = y;
    for (int i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    return times_exp_minus_square(y, (num + C[7]) / (den + D[7]));
  }
  if (y >= XBIG) return 0;
  const double z = 1 / (y * y);
  double num = P[5] * z;
  double den = z;
  for (int i = 0; i < 4; i++) {
    num = (num + P[i]) * z;
    den = (den + Q[i]) * z;
  }
  const double r = (z * (num + P[4])) / (den + Q[4]);
  return times_exp_minus_square(y, (SQRPI - r) / y);
}

}  // namespace

double erf_cody(double x) {
  if (x != x) return x;
  const double y = std::fabs(x);
  if (y <= 0.46875) {
    const double ysq = y > XSMALL ? y * y : 0;
    double num = A[4] * ysq;
    double den = ysq;
    for (int i = 0; i < 3; i++) {
      num = (num + A[i]) * ysq;
      den = (den + B[i]) * ysq;
    }
    return (x * (num + A[3])) / (den + B[3]);
  }
  const double r = 0.5 - erfc_positive(y) + 0.5;
  return x < 0 ? -r : r;
}

}  // namespace scalify

// ---- four lanes at a time (AVX2 doubles): the same steps per lane, intervals chosen by blends ----

#if defined(__AVX2__) && defined(SCALIFY_HAVE_LIBMVEC)
#include <immintrin.h>
extern "C" __m256d _ZGVdN4v_exp(__m256d);

namespace scalify {

namespace {

inline __m256d bc(double v) { return _mm256_set1_pd(v); }

/** e^{−y²}·r as times_exp_minus_square, per lane. */
inline __m256d v_times_exp_minus_square(__m256d y, __m256d r) {
  const __m256d ysq = _mm256_div_pd(_mm256_round_pd(_mm256_mul_pd(y, bc(16)), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), bc(16));
  const __m256d del = _mm256_mul_pd(_mm256_sub_pd(y, ysq), _mm256_add_pd(y, ysq));
  const __m256d neg_ysq2 = _mm256_mul_pd(_mm256_sub_pd(_mm256_setzero_pd(), ysq), ysq);
  return _mm256_mul_pd(_mm256_mul_pd(_ZGVdN4v_exp(neg_ysq2), _ZGVdN4v_exp(_mm256_sub_pd(_mm256_setzero_pd(), del))), r);
}

inline __m256d v_erf(__m256d x) {
  const __m256d sign_mask = bc(-0.0);
  const __m256d y = _mm256_andnot_pd(sign_mask, x);
  // |x| ≤ 0.46875: x·P(x²)/Q(x²).
  const __m256d ysq_small = _mm256_and_pd(_mm256_cmp_pd(y, bc(XSMALL), _CMP_GT_OQ), _mm256_mul_pd(y, y));
  __m256d num = _mm256_mul_pd(bc(A[4]), ysq_small);
  __m256d den = ysq_small;
  for (int i = 0; i < 3; i++) {
    num = _mm256_mul_pd(_mm256_add_pd(num, bc(A[i])), ysq_small);
    den = _mm256_mul_pd(_mm256_add_pd(den, bc(B[i])), ysq_small);
  }
  const __m256d small = _mm256_div_pd(_mm256_mul_pd(x, _mm256_add_pd(num, bc(A[3]))), _mm256_add_pd(den, bc(B[3])));
  const __m256d is_small = _mm256_cmp_pd(y, bc(0.46875), _CMP_LE_OQ);
  if (_mm256_movemask_pd(is_small) == 0xf) return small;
  // 0.46875 < |x| ≤ 4.
  __m256d n1 = _mm256_mul_pd(bc(C[8]), y);
  __m256d d1 = y;
  for (int i = 0; i < 7; i++) {
    n1 = _mm256_mul_pd(_mm256_add_pd(n1, bc(C[i])), y);
    d1 = _mm256_mul_pd(_mm256_add_pd(d1, bc(D[i])), y);
  }
  const __m256d mid_r = _mm256_div_pd(_mm256_add_pd(n1, bc(C[7])), _mm256_add_pd(d1, bc(D[7])));
  // 4 < |x| < XBIG.
  const __m256d z = _mm256_div_pd(bc(1), _mm256_mul_pd(y, y));
  __m256d n2 = _mm256_mul_pd(bc(P[5]), z);
  __m256d d2 = z;
  for (int i = 0; i < 4; i++) {
    n2 = _mm256_mul_pd(_mm256_add_pd(n2, bc(P[i])), z);
    d2 = _mm256_mul_pd(_mm256_add_pd(d2, bc(Q[i])), z);
  }
  const __m256d rr = _mm256_div_pd(_mm256_mul_pd(z, _mm256_add_pd(n2, bc(P[4]))), _mm256_add_pd(d2, bc(Q[4])));
  const __m256d big_r = _mm256_div_pd(_mm256_sub_pd(bc(SQRPI), rr), y);
  const __m256d le4 = _mm256_cmp_pd(y, bc(4), _CMP_LE_OQ);
  __m256d erfc = v_times_exp_minus_square(y, _mm256_blendv_pd(big_r, mid_r, le4));
  erfc = _mm256_blendv_pd(erfc, _mm256_setzero_pd(), _mm256_andnot_pd(le4, _mm256_cmp_pd(y, bc(XBIG), _CMP_GE_OQ)));
  __m256d r = _mm256_add_pd(_mm256_sub_pd(bc(0.5), erfc), bc(0.5));
  r = _mm256_or_pd(r, _mm256_and_pd(x, sign_mask));  // r ≥ 0: x's sign (x < 0 → −r)
  __m256d out = _mm256_blendv_pd(r, small, is_small);
  return _mm256_blendv_pd(out, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));  // NaN stays x
}

}  // namespace

void erf_block(const float* a, float* o, int64_t L) {
  int64_t i = 0;
  for (; i + 4 <= L; i += 4) _mm_storeu_ps(o + i, _mm256_cvtpd_ps(v_erf(_mm256_cvtps_pd(_mm_loadu_ps(a + i)))));
  if (i < L) {
    alignas(16) float in[4] = {0, 0, 0, 0}, out[4];
    for (int64_t j = 0; i + j < L; j++) in[j] = a[i + j];
    _mm_store_ps(out, _mm256_cvtpd_ps(v_erf(_mm256_cvtps_pd(_mm_load_ps(in)))));
    for (int64_t j = 0; i + j < L; j++) o[i + j] = out[j];
  }
}

}  // namespace scalify
#else
namespace scalify {
void erf_block(const float* a, float* o, int64_t L) {
  for (int64_t i = 0; i < L; i++) o[i] = static_cast<float>(erf_cody(static_cast<double>(a[i])));
}
}  // namespace scalify
#endif
