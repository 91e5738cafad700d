// Generates schemas/cluster.schema.json from the RHEL6 cluster.rng (a RELAX NG grammar, data).
//
//   npx tsc -p . && node dist/src/config/tools/rng-to-schema.js \
//       ../shared/peer/cluster-rng/cluster.rng.generated-rhel6.rng schemas/cluster.schema.json \
//       src/config/generated/cluster-schema-validate.ts && npx tsc -p .
//
// The JSON instance the schema checks is the element tree as parse.ts builds it (toInstance):
// an element is an object whose `@name` keys are its attributes (string values) and whose other
// keys are child tags, each an array of elements in document order. Every element name in the
// RHEL6 rng is unique, so each gets one entry in `$defs` keyed by its tag.
//
// Mapping: <attribute> -> `@name` string property (required unless under optional/zeroOrMore/
// choice); <data type=...> -> a pattern; <choice><value> -> enum; <element> -> an array-valued
// property with minItems/maxItems from optional/zeroOrMore/oneOrMore; <ref> is inlined (element
// defines become $defs). A resource agent's `<choice><group ref/><group name .../></choice>`
// becomes "these attributes are required unless `@ref` is present" (if/then/else).
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';

type XNode = Record<string, unknown>;

interface AttrInfo {
  required: boolean;
  requiredUnlessRef: boolean;
  datatype?: string;
  values?: string[];
}
interface ChildInfo {
  min: number;
  max: number | undefined;
}
interface ElementInfo {
  attrs: Map<string, AttrInfo>;
  children: Map<string, ChildInfo>;
  description?: string;
  /** Resource agents: the first attribute of the non-`ref` branch (rgmanager's primary). */
  primary?: string;
}
interface Ctx {
  optional: boolean;
  repeated: boolean;
  /** Inside the non-`ref` branch of a resource agent's choice. */
  unlessRef: boolean;
}

const patterns: Record<string, string> = {
  positiveInteger: '^\\s*\\+?0*[1-9][0-9]*\\s*$',
  nonNegativeInteger: '^\\s*\\+?[0-9]+\\s*$',
  integer: '^\\s*[+-]?[0-9]+\\s*$',
  ID: '^\\s*[A-Za-z_][A-Za-z0-9._-]*\\s*$',
  IDREF: '^\\s*[A-Za-z_][A-Za-z0-9._-]*\\s*$',
};

function tagOf(n: XNode): string {
  return Object.keys(n).find((k) => k !== ':@') ?? '';
}
function kids(n: XNode): XNode[] {
  const v = n[tagOf(n)];
  return Array.isArray(v) ? (v as XNode[]) : [];
}
function attr(n: XNode, name: string): string | undefined {
  const a = n[':@'] as Record<string, string> | undefined;
  return a?.[name];
}

export function rngToJsonSchema(rngText: string): object {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '',
    parseAttributeValue: false, parseTagValue: false, ignoreDeclaration: true });
  const doc = parser.parse(rngText) as XNode[];
  const grammar = doc.find((n) => tagOf(n) === 'grammar');
  if (grammar === undefined) throw new Error('no <grammar>');
  const defines = new Map<string, XNode>();
  let start: XNode | undefined;
  for (const n of kids(grammar)) {
    if (tagOf(n) === 'define') defines.set(attr(n, 'name') ?? '', n);
    if (tagOf(n) === 'start') start = n;
  }
  if (start === undefined) throw new Error('no <start>');
  const elements = new Map<string, ElementInfo>();

  function defineElement(n: XNode): string {
    const name = attr(n, 'name') ?? '';
    if (elements.has(name)) return name;
    const info: ElementInfo = { attrs: new Map(), children: new Map() };
    const description = attr(n, 'rha:description');
    if (description !== undefined) info.description = description.replace(/\s+/g, ' ').trim();
    elements.set(name, info);
    for (const k of kids(n)) walk(k, info, { optional: false, repeated: false, unlessRef: false });
    return name;
  }

  function walk(n: XNode, into: ElementInfo, ctx: Ctx): void {
    const tag = tagOf(n);
    switch (tag) {
      case 'attribute': {
        const name = attr(n, 'name') ?? '';
        const a: AttrInfo = into.attrs.get(name) ?? { required: false, requiredUnlessRef: false };
        if (!ctx.optional && !ctx.unlessRef) a.required = true;
        if (!ctx.optional && ctx.unlessRef) a.requiredUnlessRef = true;
        if (ctx.unlessRef && into.primary === undefined) into.primary = name;
        for (const k of kids(n)) {
          if (tagOf(k) === 'data') a.datatype = attr(k, 'type');
          if (tagOf(k) === 'choice') {
            a.values = kids(k).filter((v) => tagOf(v) === 'value')
              .map((v) => String(((v['value'] as XNode[])[0] as XNode | undefined)?.['#text'] ?? ''));
          }
        }
        into.attrs.set(name, a);
        return;
      }
      case 'element': {
        const name = defineElement(n);
        const prev = into.children.get(name);
        const min = ctx.optional ? 0 : 1;
        const max = ctx.repeated ? undefined : 1;
        if (prev === undefined) into.children.set(name, { min, max });
        else into.children.set(name, { min: Math.min(prev.min, min), max: undefined });
        return;
      }
      case 'ref': {
        const d = defines.get(attr(n, 'name') ?? '');
        if (d === undefined) throw new Error(`undefined ref ${attr(n, 'name')}`);
        for (const k of kids(d)) walk(k, into, ctx);
        return;
      }
      case 'optional':
        for (const k of kids(n)) walk(k, into, { ...ctx, optional: true });
        return;
      case 'zeroOrMore':
        for (const k of kids(n)) walk(k, into, { ...ctx, optional: true, repeated: true });
        return;
      case 'oneOrMore':
        for (const k of kids(n)) walk(k, into, { ...ctx, repeated: true });
        return;
      case 'choice': {
        const branches = kids(n);
        const isRefBranch = (b: XNode) => tagOf(b) === 'group' && kids(b).length === 1 &&
          tagOf(kids(b)[0] as XNode) === 'attribute' && attr(kids(b)[0] as XNode, 'name') === 'ref';
        const refChoice = branches.length === 2 && branches.some(isRefBranch);
        for (const b of branches) {
          if (refChoice) {
            if (isRefBranch(b)) walk(b, into, { ...ctx, optional: true });
            else walk(b, into, { ...ctx, unlessRef: true });
          } else {
            walk(b, into, { ...ctx, optional: true });
          }
        }
        return;
      }
      case 'group':
      case 'interleave':
        for (const k of kids(n)) walk(k, into, ctx);
        return;
      default:
        return; // text, empty, data, value, comments
    }
  }

  for (const k of kids(start)) walk(k, { attrs: new Map(), children: new Map() }, { optional: false, repeated: false, unlessRef: false });

  const defs: Record<string, object> = {};
  for (const [name, info] of [...elements].sort(([a], [b]) => a.localeCompare(b))) {
    const properties: Record<string, object> = {};
    const required: string[] = [];
    const unlessRef: string[] = [];
    for (const [an, a] of info.attrs) {
      const p: Record<string, unknown> = { type: 'string' };
      if (a.values !== undefined) p['enum'] = a.values;
      else if (a.datatype !== undefined && patterns[a.datatype] !== undefined) {
        p['pattern'] = patterns[a.datatype];
        p['x-datatype'] = a.datatype;
      }
      properties[`@${an}`] = p;
      if (a.required) required.push(`@${an}`);
      else if (a.requiredUnlessRef) unlessRef.push(`@${an}`);
    }
    for (const [cn, c] of info.children) {
      const p: Record<string, unknown> = { type: 'array', items: { $ref: `#/$defs/${cn}` } };
      if (c.max !== undefined) p['maxItems'] = c.max;
      properties[cn] = p;
      if (c.min > 0) required.push(cn);
    }
    const def: Record<string, unknown> = { type: 'object' };
    if (info.description !== undefined) def['description'] = info.description;
    if (info.primary !== undefined) def['x-resource-primary'] = info.primary;
    def['properties'] = properties;
    if (required.length > 0) def['required'] = required;
    if (unlessRef.length > 0) {
      def['if'] = { required: ['@ref'] };
      def['else'] = { required: unlessRef };
    }
    def['additionalProperties'] = false;
    defs[name] = def;
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://cluster-suite.invalid/schemas/cluster.schema.json',
    title: 'cluster.conf (RHEL6 cluster.rng, generated by src/config/tools/rng-to-schema.ts)',
    description: 'An element is an object: "@attr" keys are its attributes, other keys are child tags (arrays in document order).',
    type: 'object',
    properties: { cluster: { type: 'array', items: { $ref: '#/$defs/cluster' }, minItems: 1, maxItems: 1 } },
    required: ['cluster'],
    $defs: defs,
  };
}

/**
 * ajv "standalone" validator source for the schema, as a TypeScript module (type checking off: it
 * is generated JavaScript). Loading it takes ~15 ms where compiling the schema takes ~500 ms.
 */
export function standaloneValidatorSource(schemaText: string): string {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, esm: true } });
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  // CommonJS module: under NodeNext its default import is module.exports (with .default inside).
  const standaloneCode = (standaloneModule as unknown as { default: (a: Ajv, v: unknown) => string }).default;
  const code = standaloneCode(ajv, validate);
  const hash = createHash('sha256').update(schemaText).digest('hex');
  return `// @ts-nocheck\n// GENERATED by src/config/tools/rng-to-schema.ts from schemas/cluster.schema.json; do not edit.\n` +
    `export const schemaSha256 = '${hash}';\n${code.replace(/^"use strict";/, '')}\n`;
}

const [, , input, output, validatorOut] = process.argv;
if (input !== undefined && output !== undefined && process.argv[1]?.endsWith('rng-to-schema.js')) {
  const schema = rngToJsonSchema(readFileSync(input, 'utf8'));
  const schemaText = JSON.stringify(schema, null, 1) + '\n';
  writeFileSync(output, schemaText);
  process.stderr.write(`wrote ${output} (${Object.keys((schema as { $defs: object }).$defs).length} elements)\n`);
  if (validatorOut !== undefined) {
    writeFileSync(validatorOut, standaloneValidatorSource(schemaText));
    process.stderr.write(`wrote ${validatorOut}\n`);
  }
}
