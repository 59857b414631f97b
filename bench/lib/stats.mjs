// Summary statistics of repeated timings (milliseconds).

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** {n, median, min, max, spread}: spread = (max - min) / median, as a fraction. */
export function summarize(values) {
  const med = median(values);
  if (med === null) return { n: 0, median: null, min: null, max: null, spread: null };
  const min = Math.min(...values);
  const max = Math.max(...values);
  return {
    n: values.length,
    median: round(med),
    min: round(min),
    max: round(max),
    spread: med > 0 ? round((max - min) / med, 3) : 0,
  };
}

export function round(x, digits = 0) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function ratio(a, b) {
  return a && b ? round(a / b, 2) : null;
}
