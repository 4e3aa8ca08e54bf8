import { defineConfig } from 'vitest/config';

// Test tiers, by file suffix:
//   *.test.ts        unit: pure logic and in-process HTTP, no external services
//   *.store.test.ts  store suite, run on SQLite and on PostgreSQL
//   *.int.test.ts    integration against the real Kubernetes test fleet (or the simulated one)
//   *.e2e.test.ts    the whole product in Chromium
const tiers = ['store', 'int', 'e2e'];
const roots = ['packages/*/test/**', 'test/**', 'bench/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: roots.map((r) => `${r}/*.test.ts`),
          exclude: ['**/node_modules/**', ...tiers.flatMap((t) => roots.map((r) => `${r}/*.${t}.test.ts`))],
        },
      },
      { test: { name: 'store', include: roots.map((r) => `${r}/*.store.test.ts`), testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: roots.map((r) => `${r}/*.int.test.ts`),
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: roots.map((r) => `${r}/*.e2e.test.ts`),
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
