/**
 * The playground's two class colours and the scale between them: orange for class 0 (and negative
 * weights), blue for class 1 (and positive weights), white for "undecided" (p = ½, a weight of 0).
 */
export const ORANGE: readonly [number, number, number] = [245, 147, 34];
export const BLUE: readonly [number, number, number] = [8, 119, 189];
const WHITE = [255, 255, 255] as const;

/** The colour of t ∈ [0, 1]: orange at 0, white at ½, blue at 1 (clamped; NaN is grey). */
export function diverging(t: number): [number, number, number] {
  if (Number.isNaN(t)) return [160, 160, 160];
  const u = Math.max(0, Math.min(1, t));
  const [from, to, s] = u < 0.5 ? [ORANGE, WHITE, u * 2] : [WHITE, BLUE, (u - 0.5) * 2];
  return [0, 1, 2].map((c) => Math.round(from[c]! + (to[c]! - from[c]!) * s)) as [number, number, number];
}

export const css = ([r, g, b]: readonly number[]): string => `rgb(${r}, ${g}, ${b})`;
