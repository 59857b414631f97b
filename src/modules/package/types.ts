// Package module: arguments and the facts both families (apt, dnf/yum) produce.
import { z } from 'zod';
import { localPath } from '../common/args.js';
import type { RemoteFile } from '../common/remote-file.js';

const SPEC = /^[A-Za-z0-9][A-Za-z0-9+._:~=-]*$/;

export const packageArgs = z
  .object({
    name: z
      .union([z.string().regex(SPEC), z.array(z.string().regex(SPEC)).min(1)])
      .describe('Package name(s), optionally pinned: apt "haproxy=2.6.12-1+deb12u4", dnf "haproxy-2.4.22".'),
    state: z
      .enum(['present', 'absent', 'latest', 'reinstalled'])
      .default('present')
      .describe(
        'present: install when missing (never upgrades); latest: install or upgrade to the candidate; absent: remove; reinstalled: install the installed version again (repairs its files; an action, it runs on every apply).',
      ),
    update_cache: z
      .boolean()
      .default(false)
      .describe(
        'apt: run apt-get update first when the lists are older than cache_valid_time. dnf: refresh metadata (--refresh) for the simulation and the install.',
      ),
    cache_valid_time: z
      .number()
      .int()
      .min(0)
      .default(3600)
      .describe(
        'apt: seconds the package lists (mtime of /var/lib/apt/lists) count as fresh; 0 updates on every run (never converges).',
      ),
    repo: z
      .object({
        apt: z
          .object({
            name: z
              .string()
              .regex(/^[A-Za-z0-9_.-]+$/)
              .describe('Base name for /etc/apt/sources.list.d/NAME.list and /etc/apt/keyrings/NAME.(asc|gpg).'),
            uri: z
              .string()
              .regex(/^(https?|file):\/\/\S+$/)
              .describe('Repository URI.'),
            suite: z
              .string()
              .regex(/^[A-Za-z0-9_./-]+$/)
              .describe('Suite, e.g. "bookworm" or "./" for a flat repository.'),
            components: z
              .array(z.string().regex(/^[A-Za-z0-9_-]+$/))
              .default([])
              .describe('Components, e.g. ["main"] (empty for a flat repository).'),
            key_file: localPath.describe(
              'Local ASCII-armored (.asc) or binary (.gpg) key, relative to the playbook; installed under /etc/apt/keyrings/.',
            ),
          })
          .strict(),
      })
      .strict()
      .optional()
      .describe(
        'A repository to configure before installing (apt only): its key and its sources entry (signed-by the key).',
      ),
  })
  .strict();

export type PackageArgs = z.infer<typeof packageArgs>;

export type ActionKind = 'install' | 'upgrade' | 'remove' | 'downgrade' | 'reinstall';

/** One line of a simulated transaction. */
export interface PkgAction {
  kind: ActionKind;
  name: string;
  from: string | null; // installed version, when known
  to: string | null; // version after the transaction
}

export interface Simulation {
  actions: PkgAction[];
  /** Error lines of a failed simulation ("Unable to locate package x"), empty when it ran. */
  errors: string[];
}

export interface PackageFacts {
  manager: 'apt' | 'dnf' | 'yum';
  /** Per requested spec: the installed version satisfying it, or null. */
  satisfied: Record<string, string | null>;
  /** Per requested package name: the installed version (any), or null. */
  installed: Record<string, string | null>;
  /** Seconds since the package lists were updated (apt), null when unknown. */
  cacheAge: number | null;
  /** Simulation of what the plan will run; null when nothing needs doing. */
  simulation: Simulation | null;
  /** The repository's key and sources files (wanted content and what is on the host), when `repo` is given. */
  repoFiles: RepoFile[];
}

export interface RepoFile {
  path: string;
  content: Buffer;
  remote: RemoteFile;
}

export function specList(name: string | string[]): string[] {
  return Array.isArray(name) ? name : [name];
}
