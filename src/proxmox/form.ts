// application/x-www-form-urlencoded bodies the way pveproxy decodes them.

export type FormValue = string | number | boolean;

/**
 * Encode a form body. URLSearchParams escapes `=`, `+`, `,`, `&` and spaces, which matters:
 * pveproxy splits each pair on every `=` (an unescaped `net0=virtio=BC:..` loses its MAC)
 * and decodes `+` as a space. Booleans become 1/0 (`true` fails the server's type check).
 */
export function encodeForm(body: Record<string, FormValue | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    params.append(key, formValue(value));
  }
  return params.toString();
}

export function formValue(value: FormValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  return value;
}

/** Decode a form body into a map (the last value of a repeated key wins; the simulator uses this too). */
export function decodeForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}
