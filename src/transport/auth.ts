// Which credentials to offer, in order: ssh-agent, then identity files. Never a prompt.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type AnyAuthMethod, type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only offers its default export.
const { utils } = ssh2;
import type { Secret } from '../core/secret.js';

export const PASSPHRASE_ENV = 'OBER_PUSH_SSH_PASSPHRASE';

export interface AuthInput {
  user: string;
  /** ssh-agent socket (SSH_AUTH_SOCK or IdentityAgent); undefined: no agent. */
  agentSocket?: string;
  /** Explicit identity files in order (inventory first, then ssh_config); defaults follow. */
  identityFiles: readonly string[];
  homeDir: string;
  /** Passphrase for encrypted keys (from OBER_PUSH_SSH_PASSPHRASE). */
  passphrase?: Secret;
}

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** What will be offered, for the error when all fail: "ssh-agent (…)", "key /root/.ssh/id_ed25519". */
  offered: string[];
  /** Credentials that could not be used and why (no key material, no passphrase). */
  skipped: string[];
}

export function defaultIdentityFiles(homeDir: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homeDir, '.ssh', n));
}

export function planAuth(input: AuthInput): AuthPlan {
  const plan: AuthPlan = { methods: [], offered: [], skipped: [] };
  if (input.agentSocket !== undefined) {
    if (existsSync(input.agentSocket)) {
      plan.methods.push({ type: 'agent', username: input.user, agent: input.agentSocket });
      plan.offered.push(`ssh-agent (${input.agentSocket})`);
    } else {
      plan.skipped.push(`ssh-agent socket ${input.agentSocket} does not exist`);
    }
  }
  const explicit = new Set(input.identityFiles);
  const seenKeys = new Set<string>();
  for (const file of new Set([...input.identityFiles, ...defaultIdentityFiles(input.homeDir)])) {
    if (!existsSync(file)) {
      // A missing default key is normal; a missing configured one is worth saying.
      if (explicit.has(file)) plan.skipped.push(`${file}: not found`);
      continue;
    }
    const loaded = loadKey(file, input.passphrase);
    if (typeof loaded === 'string') {
      plan.skipped.push(`${file}: ${loaded}`);
      continue;
    }
    const pub = loaded.getPublicSSH().toString('base64');
    if (seenKeys.has(pub)) continue;
    seenKeys.add(pub);
    plan.methods.push({ type: 'publickey', username: input.user, key: loaded });
    plan.offered.push(`key ${file}`);
  }
  return plan;
}

/** A parsed private key, or why it cannot be used (never the passphrase or key material). */
function loadKey(file: string, passphrase: Secret | undefined): ParsedKey | string {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    return `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let key = utils.parseKey(data);
  if (key instanceof Error && /passphrase|encrypted/i.test(key.message)) {
    if (passphrase === undefined) return `encrypted; set ${PASSPHRASE_ENV} or load it into ssh-agent`;
    key = utils.parseKey(data, passphrase.reveal());
    if (key instanceof Error) return `encrypted; the passphrase from ${PASSPHRASE_ENV} does not decrypt it`;
  }
  if (key instanceof Error) return `not a private key ssh2 can read (${key.message})`;
  if (!key.isPrivateKey()) return 'not a private key';
  return key;
}
