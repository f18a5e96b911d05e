// Seeded randomness shared by the test suites, so every case has fixed inputs.
export type Rng = () => number;

/** mulberry32: a small seeded generator of 32-bit words, so every case has fixed inputs. */
export function rngU32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same stream as floats in [0, 1). */
export function rng(seed: number): Rng {
  const next = rngU32(seed);
  return () => next() / 4294967296;
}

/** A seed from a case name (FNV-1a). */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
