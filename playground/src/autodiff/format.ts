/** Numbers for the autodiff panel: short in the cells (6 significant digits), exact on hover. */
export function short(v: number | null): string {
  if (v === null) return '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const s = v.toPrecision(6);
  return s.includes('e') ? s : s.replace(/0+$/, '').replace(/\.$/, '');
}
