#!/usr/bin/env node
/**
 * The `scriba` command as npm links it (committed, so `npm install` links it on a fresh clone): it
 * runs the compiled CLI in ../dist, and says how to build it when it is not built yet.
 */
const entry = new URL('../dist/bin.js', import.meta.url);
try {
  await import(entry.href);
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(entry.pathname)) {
    process.stderr.write('scriba: not built yet: run `npm run build` in the repository first\n');
    process.exit(2);
  }
  throw e;
}
