/**
 * Builds the web console (`npm run build:console`) into dist/console, served by the admin
 * server at `/ui`. Every asset is bundled locally: no CDN, no remote fonts.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The console's build: base `/ui/`, output `dist/console`. */
export default defineConfig({
  root,
  base: '/ui/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
