// `npm run lab -- ARGS` entry point: the lab is a set of bash scripts; this only forwards to them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./lab.sh', import.meta.url));
const result = spawnSync('bash', [script, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
