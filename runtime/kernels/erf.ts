// erf in f64 by W. J. Cody's rational Chebyshev approximations: W. J. Cody, "Rational Chebyshev
// approximation for the error function", Math. Comp. 23 (1969) 631–637, as implemented in his
// SPECFUN routine CALERF (Netlib specfun/erf). The approximations' own relative error is below
// 1e-16; evaluated in double the result is within ~1e-15 relative (tests/runtime/transcendental).
// DESIGN.md "Where the backends must agree": erf is ONE documented algorithm in both backends, so
// the native addon must evaluate exactly these polynomials in this order, in double, and round
// the result once to f32.

// erf(x) = x · P(x²) / Q(x²) on |x| ≤ 0.46875.
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
// erfc(x) = e^{−x²} · P(x) / Q(x) on 0.46875 < |x| ≤ 4.
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
// erfc(x) = e^{−x²}/x · (1/√π − z·P(z)/Q(z)), z = 1/x², on |x| > 4.
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];

const SQRPI = 0.56418958354775628695; // 1/√π
const XSMALL = 1.11e-16; // below this x² is dropped (erf(x) = x · A[3]/B[3])
const XBIG = 26.543; // above this erfc(x) underflows: erf(x) = ±1

/**
 * e^{−y²} · r without the rounding error of forming y² directly (CALERF): split y = ysq + δ with
 * ysq a multiple of 1/16, so ysq² is exact, and multiply left to right as CALERF does.
 */
function timesExpMinusSquare(y: number, r: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

/** erfc(y) for y > 0.46875 (the two outer intervals of CALERF). */
function erfcPositive(y: number): number {
  if (y <= 4) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    return timesExpMinusSquare(y, (num + C[7]!) / (den + D[7]!));
  }
  if (y >= XBIG) return 0;
  const z = 1 / (y * y);
  let num = P[5]! * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * z;
    den = (den + Q[i]!) * z;
  }
  const r = (z * (num + P[4]!)) / (den + Q[4]!);
  return timesExpMinusSquare(y, (SQRPI - r) / y);
}

/** The error function in f64 (NaN → NaN, ±Inf → ±1, sign preserved for ±0). */
export function erf(x: number): number {
  if (x !== x) return x;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const ysq = y > XSMALL ? y * y : 0;
    let num = A[4]! * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]!) * ysq;
      den = (den + B[i]!) * ysq;
    }
    return (x * (num + A[3]!)) / (den + B[3]!);
  }
  // CALERF forms 1 − erfc as (½ − erfc) + ½.
  const r = 0.5 - erfcPositive(y) + 0.5;
  return x < 0 ? -r : r;
}
