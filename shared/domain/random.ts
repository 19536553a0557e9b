/**
 * mulberry32: a small, well-known seeded PRNG. Used where randomness must be reproducible — the demo scenario, the
 * bootstrap behind a proposal's gain range — so the same inputs always give the same output.
 */
/**
 * A standard normal from two uniforms of `random` (Box–Muller), drawn in that order: the planner's posterior draws and
 * the reallocation benchmark's noise both come from here, so a seed means the same draws in both.
 */
export const standardNormal = (random: () => number): number => Math.sqrt(-2 * Math.log(Math.max(1e-12, random()))) * Math.cos(2 * Math.PI * random());

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
