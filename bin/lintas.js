#!/usr/bin/env node
// The `lintas` executable: runs the bundled CLI (dist/, built by `npm install`
// through the `prepare` script), or the TypeScript sources through tsx in a
// development checkout where dist/ has not been built.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/lintas.js', import.meta.url);
if (existsSync(bundle)) {
  const { run } = await import(bundle.href);
  process.exitCode = await run(process.argv.slice(2));
} else {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('lintas: dist/lintas.js is missing and tsx is not installed; run `npm run build`\n');
    process.exit(70);
  }
  const { run } = await import('../src/cli/main.ts');
  process.exitCode = await run(process.argv.slice(2));
}
