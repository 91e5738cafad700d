// Safe XML reading for cluster.conf: text -> RawElement tree with the 1-based start line of every
// element. Refuses DOCTYPE and ENTITY declarations before the parser sees them (no entity is ever
// expanded), refuses references to undefined entities, and turns malformed XML into one
// `line: message` finding instead of an exception.
import { XMLParser } from 'fast-xml-parser';
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

const predefinedEntity = /^&(?:amp|lt|gt|quot|apos|#[0-9]{1,8}|#x[0-9a-fA-F]{1,7});/;
const nameRe = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r';

function entityFinding(text: string, at: number, lines: LineIndex, inAttr: boolean): XmlFinding | undefined {
  const head = text.slice(at, at + 12);
  const ref = predefinedEntity.exec(head);
  if (ref !== null) {
    const num = /^&#(x?)([0-9a-fA-F]+);/.exec(ref[0]);
    if (num === null) return undefined;
    const cp = Number.parseInt(num[2] as string, num[1] === 'x' ? 16 : 10);
    const legal = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (legal) return undefined;
    return { line: lines.lineOf(at), where: 'xml', message: `malformed XML: character reference ${ref[0]} is not a legal XML character` };
  }
  const name = /^&([^\s;<&"']{0,40})/.exec(text.slice(at, at + 42))?.[1] ?? '';
  const semi = text[at + 1 + name.length] === ';' ? ';' : '';
  return { line: lines.lineOf(at), where: 'xml', message: `undefined entity reference '&${name}${semi}'${inAttr ? ' in an attribute value' : ''} (only &amp; &lt; &gt; &quot; &apos; and character references are allowed; a bare & must be written &amp;)` };
}

/**
 * One pass over the document: well-formedness (tags nest and match, attributes are name="value"
 * and not repeated, one root, no stray text outside it), refusal of `<!DOCTYPE`/`<!ENTITY` and of
 * entity references XML does not predefine, and the start offset of every element in document order.
 */
function scanXml(text: string, lines: LineIndex): { finding: XmlFinding } | { offsets: number[] } {
  const fail = (at: number, message: string): { finding: XmlFinding } => ({ finding: { line: lines.lineOf(Math.min(at, text.length)), where: 'xml', message } });
  const bad = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.exec(text);
  if (bad !== null) return fail(bad.index, `malformed XML: control character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
  const offsets: number[] = [];
  const stack: { name: string; at: number }[] = [];
  let rootClosed = false;
  let i = 0;
  const n = text.length;
  let nextAmp = text.indexOf('&');
  let nextCdEnd = text.indexOf(']]>');
  while (i < n) {
    let lt = text.indexOf('<', i);
    if (lt === -1) lt = n;
    // character data between i and lt
    if (stack.length === 0 && text.slice(i, lt).trim() !== '') {
      return fail(i + (text.slice(i, lt).length - text.slice(i, lt).trimStart().length), 'malformed XML: text outside the root element');
    }
    if (nextAmp !== -1 && nextAmp < i) nextAmp = text.indexOf('&', i);
    while (nextAmp !== -1 && nextAmp < lt) {
      const f = entityFinding(text, nextAmp, lines, false);
      if (f !== undefined) return { finding: f };
      nextAmp = text.indexOf('&', nextAmp + 1);
    }
    if (nextCdEnd !== -1 && nextCdEnd < i) nextCdEnd = text.indexOf(']]>', i);
    if (nextCdEnd !== -1 && nextCdEnd < lt) return fail(nextCdEnd, "malformed XML: ']]>' is not allowed in text (write ]]&gt;)");
    if (lt >= n) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) return fail(lt, 'malformed XML: comment is not closed (missing -->)');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) return fail(lt, 'malformed XML: CDATA section is not closed (missing ]]>)');
      if (stack.length === 0) return fail(lt, 'malformed XML: CDATA outside the root element');
      i = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) return fail(lt, 'malformed XML: processing instruction is not closed (missing ?>)');
      i = end + 2;
    } else if (text.startsWith('<!', lt)) {
      const word = /^<!([A-Za-z]*)/.exec(text.slice(lt, lt + 20))?.[1] ?? '';
      return fail(lt, `<!${word}> declarations are not allowed in cluster.conf (entities are never expanded; remove the DOCTYPE/ENTITY declaration)`);
    } else if (text[lt + 1] === '/') {
      nameRe.lastIndex = lt + 2;
      const m = nameRe.exec(text);
      if (m === null) return fail(lt, 'malformed XML: a closing tag needs a name');
      let j = lt + 2 + m[0].length;
      while (isSpace(text[j])) j++;
      if (text[j] !== '>') return fail(j, `malformed XML: closing tag </${m[0]}> is not closed with '>'`);
      const open = stack.pop();
      if (open === undefined) return fail(lt, `malformed XML: closing tag </${m[0]}> without an opening tag`);
      if (open.name !== m[0]) return fail(lt, `malformed XML: closing tag </${m[0]}> does not match <${open.name}> opened on line ${lines.lineOf(open.at)}`);
      if (stack.length === 0) rootClosed = true;
      i = j + 1;
    } else {
      nameRe.lastIndex = lt + 1;
      const m = nameRe.exec(text);
      if (m === null) return fail(lt, "malformed XML: '<' must start a tag (write &lt; for a literal '<')");
      if (stack.length === 0 && rootClosed) return fail(lt, `malformed XML: more than one root element (<${m[0]}> after the root was closed)`);
      offsets.push(lt);
      let j = lt + 1 + m[0].length;
      const seen = new Set<string>();
      for (;;) {
        const hadSpace = isSpace(text[j]);
        while (isSpace(text[j])) j++;
        if (j >= n) return fail(lt, `malformed XML: tag <${m[0]}> is not closed`);
        if (text[j] === '>') {
          stack.push({ name: m[0], at: lt });
          j++;
          break;
        }
        if (text[j] === '/' && text[j + 1] === '>') {
          if (stack.length === 0) rootClosed = true;
          j += 2;
          break;
        }
        if (!hadSpace) return fail(j, `malformed XML: expected a space, '>' or '/>' in tag <${m[0]}>`);
        nameRe.lastIndex = j;
        const an = nameRe.exec(text);
        if (an === null) return fail(j, `malformed XML: bad attribute in tag <${m[0]}>`);
        j += an[0].length;
        while (isSpace(text[j])) j++;
        if (text[j] !== '=') return fail(j, `malformed XML: attribute '${an[0]}' of <${m[0]}> needs ="value"`);
        j++;
        while (isSpace(text[j])) j++;
        const q = text[j];
        if (q !== '"' && q !== "'") return fail(j, `malformed XML: the value of attribute '${an[0]}' of <${m[0]}> must be quoted`);
        const end = text.indexOf(q, j + 1);
        if (end === -1) return fail(j, `malformed XML: the value of attribute '${an[0]}' is not closed`);
        const lt2 = text.indexOf('<', j + 1);
        if (lt2 !== -1 && lt2 < end) return fail(lt2, `malformed XML: '<' inside the value of attribute '${an[0]}' (write &lt;)`);
        if (nextAmp !== -1 && nextAmp < j) nextAmp = text.indexOf('&', j);
        while (nextAmp !== -1 && nextAmp < end) {
          const f = entityFinding(text, nextAmp, lines, true);
          if (f !== undefined) return { finding: f };
          nextAmp = text.indexOf('&', nextAmp + 1);
        }
        if (seen.has(an[0])) return fail(j, `malformed XML: attribute '${an[0]}' is repeated in <${m[0]}>`);
        seen.add(an[0]);
        j = end + 1;
      }
      i = j;
    }
  }
  const open = stack.at(-1);
  if (open !== undefined) return fail(open.at, `malformed XML: <${open.name}> is not closed (the file ends first)`);
  if (offsets.length === 0) return fail(0, 'no root element: cluster.conf must contain <cluster ...>');
  return { offsets };
}

type FxpNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  processEntities: false, // decodeAttribute() does it, in one pass, after the scanner vetted every reference
  htmlEntities: false,
});

const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML attribute-value normalization (literal tab/CR/LF -> space) and reference decoding, one pass. */
function decodeAttribute(raw: string): string {
  if (!/[&\t\n\r]/.test(raw)) return raw;
  return raw.replace(/\r\n|[\t\n\r]/g, ' ').replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return namedEntities[ref] ?? '';
  });
}

/** Parse cluster.conf text into a RawElement tree (not frozen; the caller freezes). */
export function readXml(text: string): XmlResult {
  const lines = new LineIndex(text);
  const scan = scanXml(text, lines);
  if ('finding' in scan) return { ok: false, finding: scan.finding };
  let doc: FxpNode[];
  try {
    doc = parser.parse(text) as FxpNode[];
  } catch (err) {
    return { ok: false, finding: { line: 0, where: 'xml', message: `malformed XML: ${(err as Error).message}` } };
  }
  // fast-xml-parser yields elements in document order, the same order the scanner saw them open.
  let next = 0;
  const convert = (node: FxpNode): RawElement | undefined => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text') return undefined;
    const offset = scan.offsets[next++];
    const line = offset !== undefined ? lines.lineOf(offset) : 0;
    const attrsIn = (node[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrsIn)) attrs[k] = decodeAttribute(String(v));
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
  if (next !== scan.offsets.length || roots.length !== 1) {
    return { ok: false, finding: { line: 0, where: 'xml', message: `internal: XML scanner saw ${scan.offsets.length} elements, parser ${next}` } };
  }
  const root = roots[0] as RawElement;
  if (root.tag !== 'cluster') return { ok: false, finding: { line: root.line, where: root.tag, message: `the root element must be <cluster>, not <${root.tag}>` } };
  return { ok: true, root };
}
