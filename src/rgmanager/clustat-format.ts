// clustat's output layouts (rgmanager clustat.c; ../shared/research/rgmanager.md §5.3, cman.md §7):
// the default text layout, `-l` long service blocks and `-x` XML. Pure formatting: the caller
// gathers the model (rg_simulate from the policy core, clustat from the daemon).

export interface ClustatMember {
  readonly name: string;
  readonly nodeid: number;
  readonly online: boolean;
  readonly local?: boolean;
  /** In cman's membership but not in cluster.conf. */
  readonly estranged?: boolean;
  readonly rgmanager?: boolean;
  /** Central processing only: true = RG-Master, false = RG-Worker, undefined = plain "rgmanager". */
  readonly rgMaster?: boolean;
}

export interface ClustatService {
  /** Full id, `service:web` / `vm:g1`. */
  readonly id: string;
  readonly state: string;
  readonly stateCode: number;
  readonly owner: string | null;
  readonly lastOwner: string | null;
  /** Bit 0 frozen, bit 1 partial. */
  readonly flags: number;
  readonly restarts: number;
  /** Seconds since the epoch; 0 = never. */
  readonly lastTransitionS: number;
}

export interface ClustatModel {
  readonly clusterName: string;
  readonly clusterId?: number;
  readonly generation?: number;
  readonly date: Date;
  readonly quorate: boolean;
  readonly members: readonly ClustatMember[];
  /** The quorum disk entry (cman's node id 0), when configured. */
  readonly qdisk?: { readonly label: string; readonly online: boolean };
  /** undefined = rgmanager not reachable: the service block is omitted. */
  readonly services: readonly ClustatService[] | undefined;
}

export interface ClustatTextOptions {
  /** Terminal width (80 when not a tty). */
  readonly cols?: number;
  /** On a tty clustat strips the `service:` prefix. */
  readonly tty?: boolean;
  /** Only this member / service (clustat -m / -s). */
  readonly member?: string;
  readonly service?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** C ctime() layout without the newline, local time: `Wed Nov 27 15:04:05 2013`. */
export function ctime(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

function fit(s: string, width: number): string {
  return s.length > width ? s.slice(0, width) : s.padEnd(width);
}

export function flagsShort(flags: number): string {
  return `${flags & 1 ? 'Z' : ''}${flags & 2 ? 'P' : ''}`;
}

export function flagsWords(flags: number, sep: string): string {
  const w: string[] = [];
  if (flags & 1) w.push('frozen');
  if (flags & 2) w.push('partial');
  return w.join(sep);
}

const SHOW_LAST_OWNER = new Set(['stopped', 'disabled', 'recoverable', 'failed']);

export function ownerColumn(s: ClustatService): string {
  if (SHOW_LAST_OWNER.has(s.state)) return `(${s.lastOwner ?? 'none'})`;
  return s.owner ?? 'none';
}

export function stateColumn(s: ClustatService, width = 14): string {
  const f = flagsShort(s.flags);
  if (f === '') return fit(s.state, width);
  return `${s.state.padEnd(width - 2 - f.length)}[${f}]`;
}

function memberStatus(m: ClustatMember): string {
  const w = [m.online ? 'Online' : 'Offline'];
  if (m.local) w.push('Local');
  if (m.estranged) w.push('Estranged');
  if (m.rgMaster === true) w.push('RG-Master');
  else if (m.rgMaster === false) w.push('RG-Worker');
  else if (m.rgmanager) w.push('rgmanager');
  return w.join(', ');
}

function displayName(id: string, tty: boolean): string {
  return tty && id.startsWith('service:') ? id.slice('service:'.length) : id;
}

/** The default clustat text layout. */
export function formatClustatText(model: ClustatModel, opts: ClustatTextOptions = {}): string {
  const cols = opts.cols ?? 80;
  const nameW = Math.min(64, Math.floor(cols / 2));
  const svcW = Math.min(64, Math.floor((cols - 20) / 2));
  const stateW = 14;
  const tty = opts.tty ?? false;
  const out: string[] = [];
  const onlyMember = opts.member !== undefined;
  const onlyService = opts.service !== undefined;
  if (!onlyMember && !onlyService) {
    out.push(`Cluster Status for ${model.clusterName} @ ${ctime(model.date)}`);
    out.push(`Member Status: ${model.quorate ? 'Quorate' : 'Inquorate'}`);
    out.push('');
  }
  if (!onlyService) {
    // The real header is one column narrower than the member lines (ID sits left of the ids).
    out.push(` ${fit('Member Name', nameW - 1)} ${fit('ID', 4)} Status`);
    out.push(` ${fit('------ ----', nameW - 1)} ${fit('----', 4)} ------`);
    const members = [...model.members].sort((a, b) => a.nodeid - b.nodeid)
      .filter((m) => !onlyMember || m.name === opts.member);
    for (const m of members) {
      if (!m.online && m.estranged) continue; // offline nodes absent from cluster.conf are hidden
      out.push(` ${fit(m.name, nameW)} ${String(m.nodeid).padStart(4)} ${memberStatus(m)}`);
    }
    if (model.qdisk !== undefined && !onlyMember) {
      out.push(` ${fit(model.qdisk.label, nameW)} ${'0'.padStart(4)} ${model.qdisk.online ? 'Online' : 'Offline'}, Quorum Disk`);
    }
    if (!onlyMember) out.push('');
  }
  if (model.services !== undefined && !onlyMember) {
    out.push(` ${fit('Service Name', svcW)} ${fit('Owner (Last)', svcW)} ${fit('State', stateW)}`);
    out.push(` ${fit('------- ----', svcW)} ${fit('----- ------', svcW)} ${fit('-----', stateW)}`);
    for (const s of sortedServices(model, opts.service)) {
      out.push(` ${fit(displayName(s.id, tty), svcW)} ${fit(ownerColumn(s), svcW)} ${stateColumn(s, stateW)}`);
    }
  }
  return out.join('\n') + '\n';
}

function sortedServices(model: ClustatModel, only?: string): ClustatService[] {
  return [...(model.services ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .filter((s) => only === undefined || s.id === only);
}

/** One `-l` block (clustat's txt_rg_state_long), ending with a blank line. */
export function formatServiceLong(s: ClustatService): string {
  const fw = flagsWords(s.flags, ', ');
  return [
    `Service Name      : ${s.id}`,
    `  Current State   : ${s.state} (${s.stateCode})`,
    `  Flags           : ${fw === '' ? 'none' : fw} (${s.flags})`,
    `  Owner           : ${s.owner ?? 'none'}`,
    `  Last Owner      : ${s.lastOwner ?? 'none'}`,
    `  Last Transition : ${ctime(new Date(s.lastTransitionS * 1000))}`,
    '', ''].join('\n');
}

/**
 * clustat -l: the header and member list as in the default layout, then "Service Information"
 * with one block per service. With -s only that service's block, with -m only the member lines.
 */
export function formatClustatLong(model: ClustatModel, opts: ClustatTextOptions = {}): string {
  if (opts.member !== undefined) return formatClustatText(model, opts);
  const services = sortedServices(model, opts.service);
  let out = '';
  if (opts.service === undefined) {
    const text = formatClustatText({ ...model, services: undefined }, opts);
    out += text;
  }
  if (model.services === undefined) return out;
  out += 'Service Information\n------- -----------\n\n';
  for (const s of services) out += formatServiceLong(s);
  return out;
}

const xmlEsc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface ClustatXmlOptions {
  /** The local node runs rgmanager (`groupmember`); default true. */
  readonly localRgmanager?: boolean;
  /** clustat -m / -s: only `<nodes>` with that member, or only `<groups>` with that service. */
  readonly member?: string;
  readonly service?: string;
}

/** clustat -x. */
export function formatClustatXml(model: ClustatModel, opts: ClustatXmlOptions = {}): string {
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  const localRg = opts.localRgmanager ?? true;
  const onlyMember = opts.member !== undefined;
  const onlyService = opts.service !== undefined;
  const out: string[] = ['<?xml version="1.0"?>', '<clustat version="4.1.1">'];
  if (!onlyMember && !onlyService) {
    out.push(`  <cluster name="${xmlEsc(model.clusterName)}" id="${model.clusterId ?? 0}" generation="${model.generation ?? 0}"/>`);
    out.push(model.quorate ? `  <quorum quorate="1" groupmember="${localRg ? 1 : 0}"/>`
      : `  <quorum quorate="0"\n groupmember="${localRg ? 1 : 0}"/>`);
  }
  if (!onlyService) {
    out.push('  <nodes>');
    for (const m of [...model.members].sort((a, b) => a.nodeid - b.nodeid)) {
      if (onlyMember && m.name !== opts.member) continue;
      if (!m.online && m.estranged) continue;
      out.push(`    <node name="${xmlEsc(m.name)}" state="${m.online ? 1 : 0}" local="${m.local ? 1 : 0}" estranged="${m.estranged ? 1 : 0}" ` +
        `rgmanager="${m.rgmanager ? 1 : 0}" rgmanager_master="${m.rgMaster ? 1 : 0}" qdisk="0" nodeid="${hex(m.nodeid)}"/>`);
    }
    if (model.qdisk !== undefined && !onlyMember) {
      out.push(`    <node name="${xmlEsc(model.qdisk.label)}" state="${model.qdisk.online ? 1 : 0}" local="0" estranged="0" ` +
        `rgmanager="0" rgmanager_master="0" qdisk="1" nodeid="${hex(0)}"/>`);
    }
    out.push('  </nodes>');
  }
  if (model.services !== undefined && !onlyMember) {
    out.push('  <groups>');
    for (const s of sortedServices(model, opts.service)) {
      out.push(`    <group name="${xmlEsc(s.id)}" state="${s.stateCode}" state_str="${s.state}" flags="${s.flags}" ` +
        `flags_str="${flagsWords(s.flags, ' ')}" owner="${xmlEsc(s.owner ?? 'none')}" last_owner="${xmlEsc(s.lastOwner ?? 'none')}" ` +
        `restarts="${s.restarts}" last_transition="${s.lastTransitionS}" last_transition_str="${ctime(new Date(s.lastTransitionS * 1000))}"/>`);
    }
    out.push('  </groups>');
  }
  out.push('</clustat>');
  return out.join('\n') + '\n';
}
