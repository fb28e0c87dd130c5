/** Number formats shared by the report's tables. */

export function pct(v: number | null): string {
  return v === null ? "–" : `${(v * 100).toFixed(1)}%`;
}

export function usd(v: number | null, known = true): string {
  if (!known) return "unknown";
  if (v === null) return "–";
  return v < 0.01 && v > 0 ? `$${v.toPrecision(2)}` : `$${v.toFixed(v < 1 ? 4 : 2)}`;
}

export function num(v: number | null, digits = 1): string {
  return v === null ? "–" : v.toFixed(digits);
}
