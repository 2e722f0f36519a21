/**
 * Build of the console: a static bundle in dist/ that the node serves at `/` (same origin as the
 * API). Routes are code-split (React.lazy in src/routes.tsx); ECharts and @xyflow/react are only
 * imported by the pages that draw charts and DAGs.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  // TSX without a React plugin: esbuild's automatic JSX runtime (no fast refresh needed).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Gzipped sizes are measured by scripts/bundle-size.mjs, not on every build.
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
});
