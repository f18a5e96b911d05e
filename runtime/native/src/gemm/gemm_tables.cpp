// Exact decode tables for the fp8 operand formats (DESIGN.md "Dtypes and numerics"):
// code → f32 value and code → bf16 bits. Every e4m3fn and e5m2 value (subnormals included,
// smallest 2^-9 and 2^-16) is exactly representable in bf16 (8 exponent bits, 7 mantissa bits),
// so the bf16 table is the f32 bits' upper half, without rounding.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gemm_internal.h"

namespace scalify_gemm {
namespace detail {

float g_e4m3_f32[256];
float g_e5m2_f32[256];
uint16_t g_e4m3_bf16[256];
uint16_t g_e5m2_bf16[256];

namespace {

float decode_e4m3fn(unsigned c) {
  const bool neg = c & 0x80u;
  const unsigned e = (c >> 3) & 0xfu, m = c & 0x7u;
  float v;
  if (e == 0xf && m == 0x7) v = NAN;
  else if (e == 0) v = std::ldexp(float(m), -9);  // m/8 · 2^-6
  else v = std::ldexp(float(8 + m), int(e) - 10);  // (1 + m/8) · 2^(e-7)
  return neg ? -v : v;
}

float decode_e5m2(unsigned c) {
  const bool neg = c & 0x80u;
  const unsigned e = (c >> 2) & 0x1fu, m = c & 0x3u;
  float v;
  if (e == 0x1f) v = m == 0 ? INFINITY : NAN;
  else if (e == 0) v = std::ldexp(float(m), -16);  // m/4 · 2^-14
  else v = std::ldexp(float(4 + m), int(e) - 17);  // (1 + m/4) · 2^(e-15)
  return neg ? -v : v;
}

uint16_t to_bf16_exact(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if (std::isnan(f)) return uint16_t(((b >> 16) & 0x8000u) | 0x7fc0u);
  return uint16_t(b >> 16);  // exact: the low half is zero for every fp8 value
}

struct Init {
  Init() {
    for (unsigned c = 0; c < 256; ++c) {
      g_e4m3_f32[c] = decode_e4m3fn(c);
      g_e5m2_f32[c] = decode_e5m2(c);
      g_e4m3_bf16[c] = to_bf16_exact(g_e4m3_f32[c]);
      g_e5m2_bf16[c] = to_bf16_exact(g_e5m2_f32[c]);
    }
  }
} g_init;

}  // namespace
}  // namespace detail
}  // namespace scalify_gemm
