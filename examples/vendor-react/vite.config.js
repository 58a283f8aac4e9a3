// Vite's own JSX transform (React's automatic runtime) is all this app needs: no plugin.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    // clerk-js is bundled into the app (not fetched from a CDN), which makes large chunks.
    chunkSizeWarningLimit: 2048,
  },
});
