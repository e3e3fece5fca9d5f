import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

// Relative base: Electron loads the build from file://, the test harness over http.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react(), tailwindcss()],
  // The path aliases (@protocol, @contract) come from the repository's tsconfig.json; the
  // production build resolves them without this, the dev server only with it.
  resolve: { tsconfigPaths: true },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // A desktop app loads from disk: one ~700 KB bundle (React + xterm) is fine.
    chunkSizeWarningLimit: 1000,
  },
});
