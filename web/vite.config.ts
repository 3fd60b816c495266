/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The UI is served by keeper under /ui/ (adapters/http/ui.go); `npm run dev`
// proxies the API to a keeper on :8080.
export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080', '/ready': 'http://127.0.0.1:8080' } },
  build: {
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    globals: true,
    testTimeout: 30000, // the CI machine may be shared
    include: ['src/**/*.test.{ts,tsx}'],
  },
})
