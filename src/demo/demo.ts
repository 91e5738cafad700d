// `npm run demo`: load cluster.conf.example (or the file given) and print its summary.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClusterConf, formatProblem } from '../config/index.js';
import { summarizeConfig } from '../config/summary.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const file = process.argv[2] ?? path.join(repoRoot, 'cluster.conf.example');
const result = await loadClusterConf(file);
for (const p of result.problems) process.stderr.write(formatProblem(p) + '\n');
if (result.config === undefined) {
  process.stderr.write('Configuration fails to validate\n');
  process.exitCode = 1;
} else {
  process.stdout.write(summarizeConfig(result.config));
}
