// Public numerics layer: bit-exact f16/bf16/fp8 codecs and power-of-two helpers
// (DESIGN.md "Dtypes and numerics"; sf.numerics and sf.pow2 in "Public API").

export {
  decode,
  decodeScalar,
  encode,
  encodeScalar,
  encodeWithStats,
  round,
  roundScalar,
  scalarRounder,
  toInt32,
  type CastOptions,
  type CastStats,
} from "./codec.js";
export { BF16_MAX, decodeBF16, encodeBF16 } from "./bf16.js";
export { F16_MAX, decodeF16, encodeF16 } from "./f16.js";
export { E4M3FN_MAX, E5M2_MAX, decodeE4M3FN, decodeE5M2, encodeE4M3FN, encodeE5M2 } from "./fp8.js";
export {
  decompose,
  decomposeArray,
  roundDown,
  roundDownArray,
  roundUp,
  roundUpArray,
  type Pow2Decomposition,
} from "./pow2.js";
export * as pow2 from "./pow2.js";
