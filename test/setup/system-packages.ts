// Vitest global setup: make sure the system packages the suite needs are installed (as root, via apt).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('./install-system-packages.sh', import.meta.url));
  execFileSync('bash', [script], { stdio: 'inherit' });
}
