// Test helper: parse a cluster.conf into RawElement trees (tag, attrs, children, line) with
// fast-xml-parser, for feeding the tree builder directly. The product path uses src/config.
import { XMLParser } from 'fast-xml-parser';
import type { RawElement } from '../../../src/config/types.js';

type Ordered = Record<string, unknown>;

export function parseRawXml(text: string): RawElement {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    captureMetaData: true,
    commentPropName: '#comment',
  });
  const doc = parser.parse(text) as Ordered[];
  const meta = XMLParser.getMetaDataSymbol() as unknown as string;
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (idx: number | undefined): number => {
    if (idx === undefined) return 0;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= idx) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const convert = (node: Ordered): RawElement | undefined => {
    const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#comment' && !k.startsWith('?'));
    if (tag === undefined) return undefined;
    const attrs = (node[':@'] ?? {}) as Record<string, string>;
    const kids = (node[tag] as Ordered[]).map(convert).filter((x): x is RawElement => x !== undefined);
    const m = (node as Record<string, { startIndex?: number } | undefined>)[meta];
    return { tag, attrs: { ...attrs }, children: kids, line: lineOf(m?.startIndex) };
  };
  const roots = doc.map(convert).filter((x): x is RawElement => x !== undefined);
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  return roots[0]!;
}

export function findChild(el: RawElement, tag: string): RawElement | undefined {
  return el.children.find((c) => c.tag === tag);
}
