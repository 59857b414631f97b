// An SSH environment for tests: an empty home directory, no agent, no passphrase, so nothing from the
// machine's real ~/.ssh leaks into a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshEnvironment } from '../../src/transport/endpoint.js';

export function isolatedSshEnvironment(env: Record<string, string> = {}): SshEnvironment & { cleanup(): void } {
  const homeDir = mkdtempSync(join(tmpdir(), 'ober-home-'));
  return { env, homeDir, localUser: 'root', cleanup: () => rmSync(homeDir, { recursive: true, force: true }) };
}
