// `npm run bench`: runs every bench/*.bench.js module, writes bench/results/latest.json and prints a table.
// A bench module exports `benches: Bench[]`. Numbers live here, never in test asserts.
import { readdir, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Bench, BenchResult } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

async function main(): Promise<void> {
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.js')).sort();
  const results: BenchResult[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { benches?: Bench[] };
    for (const bench of mod.benches ?? []) {
      if (only.length > 0 && !only.some((o) => bench.name.includes(o) || file.includes(o))) continue;
      process.stderr.write(`bench: ${bench.name} ...\n`);
      try {
        results.push(await bench.run());
      } catch (err) {
        results.push({ name: bench.name, unit: '', median: Number.NaN, error: (err as Error).message });
      }
    }
  }
  const outDir = path.resolve(here, '../../bench/results');
  await mkdir(outDir, { recursive: true });
  const doc = { date: new Date().toISOString(), node: process.version, results };
  await writeFile(path.join(outDir, 'latest.json'), JSON.stringify(doc, null, 2) + '\n');
  const rows = results.map((r) => [r.name, Number.isNaN(r.median) ? 'ERROR' : fmt(r.median), r.unit,
    r.p90 !== undefined ? fmt(r.p90) : '', r.goal ?? '', r.baseline ?? r.error ?? '']);
  const head = ['bench', 'median', 'unit', 'p90', 'goal', 'baseline / note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(`\nwritten: ${path.join(outDir, 'latest.json')}`);
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
