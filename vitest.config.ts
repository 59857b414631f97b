import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests, integration tests against a real sshd on loopback,
// and lab tests against systemd-booted hosts in network namespaces (root only, run one file at a time).
export default defineConfig({
  test: {
    globalSetup: ['test/setup/system-packages.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          setupFiles: ['test/lab/restore-env.ts'],
          fileParallelism: false,
          // After unit and integration: the lab's load tests must not share the cores with them.
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
