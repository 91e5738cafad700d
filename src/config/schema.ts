// Structural validation against schemas/cluster.schema.json (generated from the RHEL6 cluster.rng
// by tools/rng-to-schema.ts) with ajv, and the mapping of ajv errors back to file lines.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RawElement } from './types.js';
import { closest } from './suggest.js';
import * as generated from './generated/cluster-schema-validate.js';
import { schemaUrl } from './primaries.js';

export { staticResourcePrimaries } from './primaries.js';

export interface SchemaFinding {
  readonly severity: 'error' | 'warning';
  readonly element: RawElement;
  /** Attribute concerned, when the finding is about one. */
  readonly attribute?: string;
  /** Unknown child element, when the finding is about one. */
  readonly unknownChild?: string;
  readonly message: string;
}

interface SchemaDef {
  'x-resource-primary'?: string;
  properties?: Record<string, { 'x-datatype'?: string; enum?: string[] }>;
}
interface Schema {
  $defs: Record<string, SchemaDef>;
}

let compiled: { schema: Schema; validate: ValidateFunction; precompiled: boolean } | undefined;

/**
 * The schema and its validator. The validator normally comes precompiled from
 * generated/cluster-schema-validate.ts (ajv standalone; ~15 ms to load instead of ~500 ms to
 * compile); if the schema file no longer matches it (edited without regenerating), ajv compiles
 * the schema file instead, so the file is always the truth.
 */
function load(): { schema: Schema; validate: ValidateFunction; precompiled: boolean } {
  if (compiled === undefined) {
    const text = readFileSync(schemaUrl, 'utf8');
    const schema = JSON.parse(text) as Schema;
    if (createHash('sha256').update(text).digest('hex') === generated.schemaSha256) {
      compiled = { schema, validate: generated.validate as unknown as ValidateFunction, precompiled: true };
    } else {
      const ajv = new Ajv({ allErrors: true, strict: false });
      compiled = { schema, validate: ajv.compile(schema), precompiled: false };
    }
  }
  return compiled;
}

/** True when the precompiled validator matches schemas/cluster.schema.json (tests assert it). */
export function usingPrecompiledValidator(): boolean {
  return load().precompiled;
}

/** Tags the schema knows (every element of the RHEL6 rng). */
export function knownTags(): ReadonlySet<string> {
  return new Set(Object.keys(load().schema.$defs));
}

/** Attribute names the schema allows on `tag` (without the `@`). */
export function knownAttributes(tag: string): string[] {
  const props = load().schema.$defs[tag]?.properties ?? {};
  return Object.keys(props).filter((k) => k.startsWith('@')).map((k) => k.slice(1));
}

/** The JSON instance the schema checks: `@attr` keys plus one array per child tag. */
export function toInstance(el: RawElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(el.attrs)) out[`@${k}`] = v;
  for (const c of el.children) {
    const list = out[c.tag];
    if (Array.isArray(list)) list.push(toInstance(c));
    else out[c.tag] = [toInstance(c)];
  }
  return out;
}

/** Follow an ajv instancePath (`/cluster/0/clusternodes/0/clusternode/2/@nodeid`) to its element. */
function resolve(root: RawElement, instancePath: string): { element: RawElement; attribute?: string; childTag?: string } {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  // parts[0] = 'cluster', parts[1] = '0'
  let el = root;
  let i = 2;
  while (i < parts.length) {
    const key = parts[i] as string;
    if (key.startsWith('@')) return { element: el, attribute: key.slice(1) };
    const idx = parts[i + 1];
    if (idx === undefined) return { element: el, childTag: key };
    const matching = el.children.filter((c) => c.tag === key);
    const next = matching[Number(idx)];
    if (next === undefined) return { element: el, childTag: key };
    el = next;
    i += 2;
  }
  return { element: el };
}

const datatypeWords: Record<string, string> = {
  positiveInteger: 'a positive integer (1, 2, ...)',
  nonNegativeInteger: 'a non-negative integer (0, 1, ...)',
  integer: 'an integer',
  ID: 'a name that starts with a letter or _ (letters, digits, . _ - only)',
  IDREF: 'the name of a <fencedevice> (starts with a letter or _)',
};

/** Validate the tree; return findings in document order (unknown names are warnings). */
export function validateStructure(root: RawElement): SchemaFinding[] {
  const { schema, validate } = load();
  const instance = { cluster: [toInstance(root)] };
  if (validate(instance)) return [];
  const out: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const e of (validate.errors ?? []) as ErrorObject[]) {
    if (e.keyword === 'if') continue; // the then/else error carries the detail
    const at = resolve(root, e.instancePath);
    const el = at.element;
    const key = `${e.keyword}|${e.instancePath}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = String((e.params as { additionalProperty: string }).additionalProperty);
        if (prop.startsWith('@')) {
          const name = prop.slice(1);
          const hint = closest(name, knownAttributes(el.tag));
          out.push({ severity: 'warning', element: el, attribute: name,
            message: `unknown attribute${hint !== undefined ? `; did you mean '${hint}'?` : ''} (not in the RHEL6 schema for <${el.tag}>; ignored)` });
        } else {
          for (const c of el.children.filter((x) => x.tag === prop)) {
            out.push({ severity: 'warning', element: c, unknownChild: prop, message: '' });
          }
        }
        break;
      }
      case 'required': {
        const prop = String((e.params as { missingProperty: string }).missingProperty);
        if (prop.startsWith('@')) {
          out.push({ severity: 'error', element: el, attribute: prop.slice(1), message: `required attribute is missing on <${el.tag}>` });
        } else {
          out.push({ severity: 'error', element: el, message: `<${el.tag}> must contain a <${prop}> element` });
        }
        break;
      }
      case 'maxItems': {
        const tag = at.childTag ?? '';
        const dups = el.children.filter((c) => c.tag === tag);
        const second = dups[1] ?? el;
        out.push({ severity: 'error', element: second, message: `<${tag}> may appear only once inside <${el.tag}> (first one on line ${dups[0]?.line ?? el.line})` });
        break;
      }
      case 'pattern': {
        const dt = schema.$defs[el.tag]?.properties?.[`@${at.attribute ?? ''}`]?.['x-datatype'] ?? '';
        out.push({ severity: 'error', element: el, attribute: at.attribute,
          message: `'${el.attrs[at.attribute ?? ''] ?? ''}' is not ${datatypeWords[dt] ?? `valid (${e.message ?? ''})`}` });
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: string[] }).allowedValues;
        out.push({ severity: 'error', element: el, attribute: at.attribute,
          message: `'${el.attrs[at.attribute ?? ''] ?? ''}' is not one of ${allowed.join(', ')}` });
        break;
      }
      default:
        out.push({ severity: 'error', element: el, attribute: at.attribute, message: `${e.message ?? 'invalid'} (${e.keyword})` });
    }
  }
  return out;
}
