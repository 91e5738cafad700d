// Safe XML reading for cluster.conf: text -> RawElement tree with the 1-based start line of every
// element. Refuses DOCTYPE and ENTITY declarations before the parser sees them (no entity is ever
// expanded), refuses references to undefined entities, and turns malformed XML into one
// `line: message` finding instead of an exception.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { RawElement } from './types.js';

export interface XmlFinding {
  readonly line: number;
  readonly where: string;
  readonly message: string;
}

export type XmlResult =
  | { readonly ok: true; readonly root: RawElement }
  | { readonly ok: false; readonly finding: XmlFinding };

/** Byte offsets of line starts, for offset -> line lookups. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 1-based line holding character offset `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

const predefinedEntity = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

/**
 * Scan markup outside comments, CDATA and processing instructions for declarations we refuse
 * (`<!DOCTYPE`, `<!ENTITY`, any other `<!`) and for entity references XML does not predefine.
 */
function scanForbidden(text: string, lines: LineIndex): XmlFinding | undefined {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const amp = text.indexOf('&', i);
    if (amp !== -1 && (lt === -1 || amp < lt)) {
      if (!predefinedEntity.test(text.slice(amp, amp + 12))) {
        const name = /^&([^\s;<&"']{0,40})/.exec(text.slice(amp, amp + 42))?.[1] ?? '';
        return { line: lines.lineOf(amp), where: 'xml', message: `undefined entity reference '&${name}${text[amp + 1 + name.length] === ';' ? ';' : ''}' (only &amp; &lt; &gt; &quot; &apos; and character references are allowed; a bare & must be written &amp;)` };
      }
      i = amp + 1;
      continue;
    }
    if (lt === -1) return undefined;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) return { line: lines.lineOf(lt), where: 'xml', message: 'comment is not closed (missing -->)' };
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) return { line: lines.lineOf(lt), where: 'xml', message: 'CDATA section is not closed (missing ]]>)' };
      i = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) return { line: lines.lineOf(lt), where: 'xml', message: 'processing instruction is not closed (missing ?>)' };
      i = end + 2;
    } else if (text.startsWith('<!', lt)) {
      const word = /^<!([A-Za-z]*)/.exec(text.slice(lt, lt + 20))?.[1] ?? '';
      return { line: lines.lineOf(lt), where: 'xml', message: `<!${word}> declarations are not allowed in cluster.conf (entities are never expanded; remove the DOCTYPE/ENTITY declaration)` };
    } else {
      // A tag: skip to its end, honouring quoted attribute values (which may hold '>').
      let j = lt + 1;
      let quote = '';
      for (; j < n; j++) {
        const c = text[j];
        if (quote !== '') {
          if (c === quote) quote = '';
          else if (c === '&' && !predefinedEntity.test(text.slice(j, j + 12))) {
            const name = /^&([^\s;<&"']{0,40})/.exec(text.slice(j, j + 42))?.[1] ?? '';
            return { line: lines.lineOf(j), where: 'xml', message: `undefined entity reference '&${name}' in an attribute value (a bare & must be written &amp;)` };
          }
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      i = j + 1;
    }
  }
  return undefined;
}

type FxpNode = Record<string, unknown>;
const metaSymbol = XMLParser.getMetaDataSymbol() as unknown as string;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  captureMetaData: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  processEntities: true,
  htmlEntities: false,
});

/** Parse cluster.conf text into a RawElement tree (not frozen; the caller freezes). */
export function readXml(text: string): XmlResult {
  const lines = new LineIndex(text);
  const forbidden = scanForbidden(text, lines);
  if (forbidden !== undefined) return { ok: false, finding: forbidden };
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const msg = valid.err.msg.replace(/\s+/g, ' ').trim();
    return { ok: false, finding: { line: valid.err.line, where: 'xml', message: `malformed XML: ${msg}` } };
  }
  let doc: FxpNode[];
  try {
    doc = parser.parse(text) as FxpNode[];
  } catch (err) {
    return { ok: false, finding: { line: 0, where: 'xml', message: `malformed XML: ${(err as Error).message}` } };
  }
  const convert = (node: FxpNode): RawElement | undefined => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text') return undefined;
    const meta = (node as Record<string, { startIndex?: number } | undefined>)[metaSymbol];
    const line = meta?.startIndex !== undefined ? lines.lineOf(meta.startIndex) : 0;
    const attrsIn = (node[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrsIn)) attrs[k] = String(v);
    const children: RawElement[] = [];
    const body = node[tag];
    if (Array.isArray(body)) {
      for (const c of body as FxpNode[]) {
        const el = convert(c);
        if (el !== undefined) children.push(el);
      }
    }
    return { tag, attrs, children, line };
  };
  const roots = doc.map(convert).filter((e): e is RawElement => e !== undefined);
  if (roots.length === 0) return { ok: false, finding: { line: 1, where: 'xml', message: 'no root element: cluster.conf must contain <cluster ...>' } };
  if (roots.length > 1) {
    const second = roots[1] as RawElement;
    return { ok: false, finding: { line: second.line, where: 'xml', message: `malformed XML: more than one root element (<${second.tag}> after </${(roots[0] as RawElement).tag}>)` } };
  }
  const root = roots[0] as RawElement;
  if (root.tag !== 'cluster') return { ok: false, finding: { line: root.line, where: root.tag, message: `the root element must be <cluster>, not <${root.tag}>` } };
  return { ok: true, root };
}
