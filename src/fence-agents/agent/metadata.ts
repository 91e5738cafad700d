// `-o metadata` XML and `--help` text, both generated from the agent's OptionSpec table, in the
// layout of fence-agents (parameter order: (order, name); deprecated names as their own
// parameter with deprecated="1", the new one with obsoletes="...").
import { type AgentDefinition, type OptionSpec, getoptText } from './spec.js';

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface MetaParam {
  readonly name: string;
  readonly spec: OptionSpec;
  readonly deprecated: boolean;
}

function metaParams(def: AgentDefinition): MetaParam[] {
  const list: MetaParam[] = [];
  for (const spec of def.options) {
    if (spec.hidden === true) continue;
    list.push({ name: spec.name, spec, deprecated: false });
    for (const d of spec.deprecatedNames ?? []) list.push({ name: d, spec, deprecated: true });
  }
  return list.sort((a, b) => a.spec.order - b.spec.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function contentXml(spec: OptionSpec, defaultValue: string | undefined, deprecatedEntry: boolean): string[] {
  // upstream drops <content> of *_path/*_file options, but keeps it on the deprecated alias (debug)
  if (spec.noContent === true && !deprecatedEntry) return [];
  const def = defaultValue !== undefined ? ` default="${xmlEscape(defaultValue)}"` : '';
  if (spec.type === 'select' && spec.choices !== undefined) {
    return [`\t\t<content type="select"${def}  >`,
      ...spec.choices.map((c) => `\t\t\t<option value="${xmlEscape(c)}" />`),
      '\t\t</content>'];
  }
  return [`\t\t<content type="${spec.type}"${def}  />`];
}

/** The metadata XML of `def`, printed under `invokedAs` (a symlink name shows its own defaults). */
export function metadataXml(def: AgentDefinition, invokedAs: string = def.name): string {
  const symlink = def.symlinks?.find((s) => s.name === invokedAs);
  const lines: string[] = ['<?xml version="1.0" ?>',
    `<resource-agent name="${xmlEscape(invokedAs)}" shortdesc="${xmlEscape(def.shortdesc)}" >`];
  for (const s of def.symlinks ?? []) {
    lines.push(`<symlink name="${xmlEscape(s.name)}" shortdesc="${xmlEscape(s.shortdesc)}"/>`);
  }
  lines.push(`<longdesc>${xmlEscape(def.longdesc)}</longdesc>`);
  lines.push(`<vendor-url>${xmlEscape(def.vendorUrl)}</vendor-url>`);
  lines.push('<parameters>');
  for (const p of metaParams(def)) {
    const { spec } = p;
    const attrs = [`name="${xmlEscape(p.name)}"`, 'unique="0"', `required="${spec.required === true ? 1 : 0}"`];
    if (p.deprecated) attrs.push('deprecated="1"');
    else if (spec.deprecatedNames !== undefined && spec.deprecatedNames.length > 0) {
      attrs.push(`obsoletes="${xmlEscape(spec.deprecatedNames.join(' '))}"`);
    }
    lines.push(`\t<parameter ${attrs.join(' ')}>`);
    lines.push(`\t\t<getopt mixed="${xmlEscape(getoptText(spec))}" />`);
    const d = symlink?.defaults?.[spec.name] ?? spec.default;
    lines.push(...contentXml(spec, d, p.deprecated));
    lines.push(`\t\t<shortdesc lang="en">${xmlEscape(spec.shortdesc)}</shortdesc>`);
    lines.push('\t</parameter>');
  }
  lines.push('</parameters>');
  lines.push('<actions>');
  for (const a of def.actions) {
    lines.push(a === 'on' ? '\t<action name="on" automatic="0"/>' : `\t<action name="${a}" />`);
  }
  lines.push('</actions>');
  lines.push('</resource-agent>');
  return lines.join('\n') + '\n';
}

/** `--help` text in fence-agents' layout. */
export function usageText(def: AgentDefinition, invokedAs: string = def.name): string {
  const lines = [`${invokedAs} - ${def.shortdesc}`, '', def.longdesc, '', 'Usage:', `\t${invokedAs} [options]`, 'Options:'];
  const specs = [...def.options].filter((s) => s.hidden !== true).sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : 1));
  for (const spec of specs) {
    const left = `   ${getoptText(spec)}`;
    const def0 = spec.default !== undefined && spec.default !== '' ? ` (Default Value: ${spec.default})` : '';
    const choices = spec.choices !== undefined ? ` [${spec.choices.join('|')}]` : '';
    lines.push(`${left.padEnd(34)} ${spec.shortdesc}${choices}${def0}`);
  }
  lines.push('', 'Options can also be given on stdin, one name=value per line (used when no argument is given),');
  lines.push('by their parameter name (e.g. ip=, plug=), long option or legacy name (ipaddr=, port=, login=, passwd=, option=).');
  lines.push('', `Actions: ${def.actions.join(', ')}`);
  lines.push('Exit status: 0 success (status: ON), 1 failure, 2 status: OFF.');
  return lines.join('\n') + '\n';
}
