// `npm run bench`: runs every `bench:*` script of the root package.json in turn (bench:sdk-core
// first), so a benchmark added by another area shows up without touching this runner.
// Exit status: non-zero when any benchmark script failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const names = Object.keys(pkg.scripts ?? {})
  .filter((n) => n.startsWith('bench:'))
  .sort((a, b) => (a === 'bench:sdk-core' ? -1 : b === 'bench:sdk-core' ? 1 : a.localeCompare(b)));

const failed = [];
for (const name of names) {
  console.log(`\n=== npm run ${name}`);
  const r = spawnSync('npm', ['run', '--silent', name], {
    stdio: 'inherit',
    cwd: new URL('../../', import.meta.url),
  });
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal})`);
}
console.log(
  `\n${names.length - failed.length}/${names.length} benchmarks ran${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
);
process.exit(failed.length ? 1 : 0);
