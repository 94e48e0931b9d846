import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so that Nest's decorator metadata survives (esbuild/oxc drop it).
const contracts = fileURLToPath(new URL('./libs/contracts/src/index.ts', import.meta.url));

export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2022',
      },
      module: { type: 'es6' },
    }),
  ],
  resolve: { alias: { '#contracts': contracts } },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts'],
          // Specs share their workers' loaded modules rather than importing Nest and TypeORM again per file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          fileParallelism: false,
          // One worker runs every e2e file in turn without reloading the app's modules for each file (Nest,
          // TypeORM and the gateway take seconds to import); every file still starts its own apps, on its
          // own temp directory and ports.
          isolate: false,
        },
      },
    ],
  },
});
