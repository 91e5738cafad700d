// Reads a fence agent's `-o metadata` XML (ours or fence-agents') into comparable records, for the
// tests that check our metadata is a superset of upstream's.
import { XMLParser } from 'fast-xml-parser';

export interface MetadataParam {
  name: string;
  required: string;
  deprecated?: string;
  obsoletes?: string;
  getopt: string;
  contentType?: string;
  contentDefault?: string;
  options?: string[];
}

export interface AgentMetadata {
  name: string;
  params: Map<string, MetadataParam>;
  actions: string[];
}

export function parseAgentMetadata(xml: string): AgentMetadata {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['parameter', 'action', 'option'].includes(n) });
  const ra = (parser.parse(xml) as Record<string, Record<string, unknown>>)['resource-agent'] as Record<string, unknown>;
  const params = new Map<string, MetadataParam>();
  for (const p of (ra['parameters'] as { parameter: Record<string, unknown>[] }).parameter) {
    const content = p['content'] as Record<string, unknown> | undefined;
    const param: MetadataParam = {
      name: String(p['name']), required: String(p['required']),
      getopt: String((p['getopt'] as Record<string, unknown>)['mixed']),
    };
    if (p['deprecated'] !== undefined) param.deprecated = String(p['deprecated']);
    if (p['obsoletes'] !== undefined) param.obsoletes = String(p['obsoletes']);
    if (content !== undefined) {
      param.contentType = String(content['type']);
      if (content['default'] !== undefined) param.contentDefault = String(content['default']);
      const opts = content['option'] as { value: string }[] | undefined;
      if (opts !== undefined) param.options = opts.map((o) => o.value);
    }
    params.set(param.name, param);
  }
  return { name: String(ra['name']), params, actions: (ra['actions'] as { action: { name: string }[] }).action.map((a) => a.name) };
}
