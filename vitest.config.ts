import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Three tiers (see README): unit tests sit beside the code they test and need nothing but Node;
// integration and end-to-end tests use the rig (root, sshd in network namespaces, dockerd,
// gnome-keyring, Chromium). The slow tiers run one file at a time: the machine has two cores and
// the files share Docker and the network namespaces.

// The path aliases (@protocol, @contract, @common) come from tsconfig.json, in every tier.
const resolve = { tsconfigPaths: true };

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [react()],
        resolve,
        test: {
          name: 'unit',
          include: [
            'electron/src/**/*.test.{ts,tsx}',
            'remote-agent/src/**/*.test.ts',
            'renderer/src/**/*.test.{ts,tsx}',
            'scripts/**/*.test.ts',
            'test/lint/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['test/rig/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
