// Seeded random upload contents for the integrity tests: the same seed gives the same cases on every run.

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes a shell, printf or a UTF-8 decoder treats specially. */
const HOSTILE = [0x2d, 0x25, 0x5c, 0x27, 0x22, 0x00, 0x0a, 0x0d, 0x24, 0x60, 0xff, 0xc3, 0x80, 0xed, 0xa0];

export type ContentKind = 'random bytes' | 'leading dash' | 'hostile bytes' | 'invalid utf-8' | 'text';

export const CONTENT_KINDS: readonly ContentKind[] = [
  'random bytes',
  'leading dash',
  'hostile bytes',
  'invalid utf-8',
  'text',
];

export function randomContent(rand: () => number, kind: ContentKind, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    const r = rand();
    if (kind === 'random bytes') bytes[i] = Math.floor(r * 256);
    else if (kind === 'hostile bytes') bytes[i] = HOSTILE[Math.floor(r * HOSTILE.length)] ?? 0;
    else if (kind === 'invalid utf-8')
      bytes[i] = r < 0.3 ? 0x80 + Math.floor(rand() * 0x80) : 0x20 + Math.floor(rand() * 0x5f);
    else bytes[i] = r < 0.05 ? 0x0a : 0x20 + Math.floor(rand() * 0x5f);
  }
  if (kind === 'leading dash' && size > 0) bytes.fill(0x2d, 0, Math.min(size, 1 + Math.floor(rand() * 5)));
  return bytes;
}
