// Resource types of the static schema (service, vm, fs, ip, script, ...) and their primary
// attribute, read from schemas/cluster.schema.json without the validator. diffConfig needs them in
// clusterd, where loading ajv and the generated validator (~2 MB of source) would stay resident
// for the daemon's whole life; the validator itself runs in a worker thread (cman/config-worker).
import { readFileSync } from 'node:fs';

/** schemas/cluster.schema.json */
export const schemaUrl = new URL('../../../schemas/cluster.schema.json', import.meta.url);

let primaries: ReadonlyMap<string, string> | undefined;

/** Resource type tag -> primary attribute (read once). */
export function staticResourcePrimaries(): ReadonlyMap<string, string> {
  if (primaries === undefined) {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as { $defs: Record<string, { 'x-resource-primary'?: string }> };
    const out = new Map<string, string>();
    for (const [tag, def] of Object.entries(schema.$defs)) {
      const p = def['x-resource-primary'];
      if (p !== undefined) out.set(tag, p);
    }
    primaries = out;
  }
  return primaries;
}
