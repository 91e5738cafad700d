// The conga page: plain TypeScript compiled to an ES module, no framework. Live through
// server-sent events (/api/events): every snapshot re-renders the visible tab, no reload.
// All text from the cluster goes through text nodes (never innerHTML).
import type { ClusterSnapshot, Incident, ServiceRow } from '../model.js';

interface SessionInfo { user: string; role: 'viewer' | 'operator' | 'admin'; csrf: string; node: string }
type Child = Node | string | null | undefined | false;

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;
let session: SessionInfo | undefined;
let snap: ClusterSnapshot | undefined;
let tab = 'overview';
let selectedService: string | undefined;
let events: EventSource | undefined;
/** Server clock minus ours (durations use the server's clock). */
let clockOffsetMs = 0;
const serverNow = (): number => Date.now() + clockOffsetMs;

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function h(tag: string, attrs: Record<string, string | boolean | ((e: Event) => void) | undefined> = {}, ...kids: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of kids) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function fill(el: HTMLElement, ...kids: Child[]): void {
  el.replaceChildren(...kids.filter((k): k is Node | string => k !== null && k !== undefined && k !== false));
}

const can = (role: SessionInfo['role']): boolean => session !== undefined && RANK[session.role] >= RANK[role];

function toast(text: string, bad = false): void {
  const d = h('div', { class: bad ? 'bad' : '' }, text);
  $('toast').append(d);
  setTimeout(() => d.remove(), bad ? 8000 : 4000);
}

class HttpFailure extends Error { constructor(readonly status: number, message: string) { super(message); } }

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (session !== undefined) headers['X-CSRF-Token'] = session.csrf;
  }
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : method !== 'GET' ? { body: '{}' } : {}) });
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/login') showLogin();
    throw new HttpFailure(res.status, data.error ?? `HTTP ${res.status}`);
  }
  return data as T;
}

// ---------------------------------------------------------------------------------- formatting

function dur(ms: number): string {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hh = Math.floor(m / 60);
  if (hh < 48) return `${hh}h ${m % 60}m`;
  return `${Math.floor(hh / 24)}d ${hh % 24}h`;
}
const shortId = (id: string): string => id.replace(/^service:/, '');
const time = (ms: number): string => new Date(ms).toLocaleTimeString();

// ---------------------------------------------------------------------------------- login / session

function showLogin(): void {
  session = undefined;
  events?.close();
  events = undefined;
  $('login').hidden = false;
  $('view').hidden = true;
  $('tabs').hidden = true;
  $('logout').hidden = true;
  $('whoami').textContent = '';
}

async function afterLogin(s: SessionInfo): Promise<void> {
  session = s;
  $('login').hidden = true;
  $('view').hidden = false;
  $('tabs').hidden = false;
  $('logout').hidden = false;
  $('whoami').textContent = `${s.user} (${s.role}) on ${s.node}`;
  for (const a of Array.from(document.querySelectorAll<HTMLElement>('#tabs a[data-role]'))) a.hidden = !can(a.dataset['role'] as SessionInfo['role']);
  openEvents();
  route();
}

function openEvents(): void {
  events?.close();
  const es = new EventSource('/api/events');
  events = es;
  es.addEventListener('open', () => { $('live').classList.add('on'); clearTimeout(lostTimer); lostTimer = undefined; $('lost').hidden = true; document.body.classList.remove('lost'); });
  es.addEventListener('error', () => {
    $('live').classList.remove('on');
    // The browser retries every second; after 3 s without success, say so (once).
    lostTimer ??= window.setTimeout(showLost, 3000);
    // A closed stream may mean the session ended: check, and show the login if so.
    void api<SessionInfo>('GET', '/api/session').catch(() => undefined);
  });
  es.addEventListener('snapshot', (e) => {
    snap = JSON.parse((e as MessageEvent<string>).data) as ClusterSnapshot;
    clockOffsetMs = snap.timeMs - Date.now();
    onSnapshot();
  });
}

let lostTimer: number | undefined;

/** The serving node stopped answering: offer the other members' pages (same scheme and port). */
function showLost(): void {
  if (snap === undefined || $('live').classList.contains('on')) return;
  const others = snap.members.filter((m) => !m.local && m.online);
  const box = $('lost');
  fill(box, `${snap.servedBy} stopped answering (live updates paused). `,
    others.length > 0 ? 'Open another member: ' : 'No other member was online.',
    ...others.flatMap((m, i) => [i > 0 ? ', ' : '', h('a', { href: `${location.protocol}//${m.name}${location.port !== '' ? `:${location.port}` : ''}/` }, m.name)]));
  box.hidden = false;
  document.body.classList.add('lost');
}

function onSnapshot(): void {
  if (snap === undefined) return;
  $('cluster-name').textContent = snap.clusterName;
  const q = snap.quorum;
  const badge = $('quorum');
  badge.textContent = `${q.quorate ? 'Quorate' : 'NOT quorate'} · votes ${q.totalVotes}/${q.expectedVotes} · quorum ${q.quorum}` +
    (q.qdiskConfigured ? ` · qdisk ${q.qdiskVotes !== null ? `${q.qdiskVotes} votes` : 'not counted'}` : '');
  badge.className = `badge ${q.quorate ? 'ok' : 'bad'}`;
  document.body.dataset['generation'] = String(snap.generation);
  if (tab === 'overview') renderOverview();
  else if (tab === 'timeline') void renderTimeline();
  else if (tab === 'fencing') {
    // Re-render only when something the tab shows changed (a button must not vanish under the mouse).
    const sig = fencingSignature();
    if (sig !== fencingSig) { fencingSig = sig; void renderFencing(false); }
  }
}

// ---------------------------------------------------------------------------------- routing

function route(): void {
  const hash = location.hash.replace(/^#/, '') || 'overview';
  const [name, arg] = hash.split('/', 2) as [string, string | undefined];
  tab = name;
  selectedService = name === 'overview' && arg !== undefined ? decodeURIComponent(arg) : undefined;
  for (const a of Array.from(document.querySelectorAll<HTMLElement>('#tabs a'))) a.classList.toggle('active', a.dataset['tab'] === tab);
  const view = $('view');
  if (view.dataset['tab'] !== tab || tab !== 'overview') view.replaceChildren();
  view.dataset['tab'] = tab;
  switch (tab) {
    case 'overview': renderOverview(); break;
    case 'fencing': fencingSig = fencingSignature(); void renderFencing(true); break;
    case 'config': void renderConfig(); break;
    case 'timeline': void renderTimeline(); break;
    case 'users': void renderUsers(); break;
    case 'audit': void renderAudit(); break;
    default: view.append(h('p', {}, 'No such page.'));
  }
}

// ---------------------------------------------------------------------------------- overview

/**
 * Replace only the rows whose content changed (keyed by data-key), so a button under the mouse is
 * not swapped away by a snapshot that did not touch its row. `live` cells are updated in place.
 */
function patchRows(tbody: HTMLElement, rows: { key: string; sig: string; build: () => HTMLElement; live?: (tr: HTMLElement) => void }[]): void {
  const old = new Map(Array.from(tbody.children).map((tr) => [(tr as HTMLElement).dataset['key'] ?? '', tr as HTMLElement]));
  let prev: Element | null = null;
  for (const r of rows) {
    let tr = old.get(r.key);
    old.delete(r.key);
    if (tr === undefined || tr.dataset['sig'] !== r.sig) {
      const fresh = r.build();
      fresh.dataset['key'] = r.key;
      fresh.dataset['sig'] = r.sig;
      if (tr !== undefined) tr.replaceWith(fresh);
      tr = fresh;
    }
    r.live?.(tr);
    const want: Element | null = prev === null ? tbody.firstElementChild : prev.nextElementSibling;
    if (want !== tr) tbody.insertBefore(tr, want);
    prev = tr;
  }
  for (const tr of old.values()) tr.remove();
}

let detailShown: { id: string; sig: string } | undefined;

function renderOverview(): void {
  const view = $('view');
  if (snap === undefined) { view.replaceChildren(h('p', { class: 'muted' }, 'Waiting for the cluster…')); return; }
  const s = snap;
  if (view.querySelector('#members') === null || (s.services !== null) !== (view.querySelector('#services') !== null)) {
    detailShown = undefined;
    const members = h('table', { id: 'members' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Member'), h('th', {}, 'ID'), h('th', {}, 'Status'), h('th', {}, 'Votes'), h('th', {}, 'Fencing'), h('th', {}, 'Up for'))),
      h('tbody', {}));
    const services = s.services === null ? h('p', { class: 'muted' }, 'This node\'s daemon runs no service manager.') :
      h('table', { id: 'services' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Service'), h('th', {}, 'State'), h('th', {}, 'Owner'), h('th', {}, 'Last owner'), h('th', {}, 'Flags'),
          h('th', {}, 'In state for'), h('th', {}, 'Actions'))),
        h('tbody', {}));
    view.replaceChildren(
      h('div', { class: 'card' }, h('h2', { id: 'members-title' }), members),
      h('div', { class: 'card' }, h('h2', {}, 'Services'), services),
      h('div', { id: 'service-detail' }));
  }
  $('members-title').textContent = `Members (generation ${s.generation}, config version ${s.configVersion})`;
  patchRows(view.querySelector<HTMLElement>('#members tbody')!, s.members.map((m) => ({
    key: m.name, sig: JSON.stringify([m.online, m.local, m.votes, m.fence, m.nodeid]),
    build: () => h('tr', { 'data-node': m.name },
      h('td', {}, m.name, m.local ? h('span', { class: 'flag' }, 'this node') : null),
      h('td', {}, String(m.nodeid)),
      h('td', { class: m.online ? 'online status' : 'offline status' }, m.online ? 'Online' : 'Offline'),
      h('td', {}, String(m.votes)),
      h('td', {}, m.fence ?? '—'),
      h('td', { class: 'muted up' })),
    live: (tr: HTMLElement) => { tr.querySelector('.up')!.textContent = m.online && m.joinedMs !== null ? dur(serverNow() - m.joinedMs) : '—'; },
  })));
  if (s.services !== null) {
    const online = s.members.filter((m) => m.online).map((m) => m.name);
    patchRows(view.querySelector<HTMLElement>('#services tbody')!, s.services.map((v) => ({
      key: v.id, sig: JSON.stringify([v.state, v.owner, v.lastOwner, v.frozen, v.partial, v.pending, v.restarts, online, session?.role]),
      build: () => h('tr', { 'data-service': v.id },
        h('td', {}, h('a', { href: `#overview/${encodeURIComponent(v.id)}` }, shortId(v.id))),
        h('td', { class: `state state-${v.state}` }, v.state, v.pending !== null ? h('span', { class: 'muted' }, ` (${v.pending})`) : null),
        h('td', { class: 'owner' }, v.owner ?? '—'),
        h('td', { class: 'last-owner' }, v.lastOwner ?? '—'),
        h('td', { class: 'flags' }, v.frozen ? h('span', { class: 'flag' }, 'frozen') : null, v.partial ? h('span', { class: 'flag' }, 'partial') : null),
        h('td', { class: 'muted since' }),
        h('td', { class: 'actions' }, ...serviceButtons(v, online))),
      live: (tr: HTMLElement) => { tr.querySelector('.since')!.textContent = v.lastTransitionMs > 0 ? dur(serverNow() - v.lastTransitionMs) : '—'; },
    })));
  }
  const box = $('service-detail');
  if (selectedService === undefined) { box.replaceChildren(); detailShown = undefined; return; }
  const row = s.services?.find((v) => v.id === selectedService);
  // Also every 15 s: the owner's status checks move on without a snapshot change.
  const sig = JSON.stringify([selectedService, row, s.members.map((m) => m.online), Math.floor(serverNow() / 15_000)]);
  if (detailShown?.sig === sig) return;
  detailShown = { id: selectedService, sig };
  void renderServiceDetail(selectedService, box);
}

function serviceButtons(v: ServiceRow, online: string[]): HTMLElement[] {
  if (!can('operator')) return [];
  const b = (op: string, label: string, withNode: boolean) => h('button', { 'data-op': op, onclick: () => void askAction(v.id, op, withNode ? online : undefined) }, label);
  const out: HTMLElement[] = [];
  if (v.state === 'started') out.push(b('relocate', 'Relocate…', true), b('restart', 'Restart', false), b('disable', 'Disable', false));
  else out.push(b('enable', 'Enable…', true), ...(v.state !== 'disabled' ? [b('disable', 'Disable', false)] : []));
  out.push(v.frozen ? b('unfreeze', 'Unfreeze', false) : b('freeze', 'Freeze', false));
  return out;
}

interface Plan {
  actions: { node: string | null; op: string; target: string; reason: string }[];
  reply: string | null; after: { state: string; owner: string | null } | null; why: string[]; caveat: string | null;
}

/** Show the policy core's plan for the action, then ask to confirm; only then act. */
async function askAction(id: string, op: string, nodes: string[] | undefined): Promise<void> {
  let node = '';
  const body = $('dialog-body');
  const planBox = h('div', { id: 'plan' }, h('p', { class: 'muted' }, 'Computing what will happen…'));
  const refresh = async () => {
    planBox.replaceChildren(h('p', { class: 'muted' }, 'Computing what will happen…'));
    try {
      const q = new URLSearchParams({ op, ...(node !== '' ? { node } : {}) });
      const p = await api<Plan>('GET', `/api/services/${encodeURIComponent(id)}/plan?${q}`);
      fill(planBox,
        h('h3', {}, 'What will happen'),
        p.actions.length === 0 ? h('p', {}, 'Nothing will start or stop.') :
          h('ol', { class: 'plan' }, ...p.actions.map((a) => h('li', {}, `${a.op} ${shortId(a.target)}${a.node !== null ? ` on ${a.node}` : ''}`, h('span', { class: 'muted' }, ` — ${a.reason}`)))),
        p.after !== null ? h('p', {}, `Afterwards: ${p.after.state}${p.after.owner !== null ? ` on ${p.after.owner}` : ''}.`) : null,
        p.reply !== null ? h('p', { class: 'muted' }, `clusvcadm would answer: ${p.reply}`) : null,
        h('h3', {}, 'Why'), h('ul', { class: 'why' }, ...p.why.map((w) => h('li', {}, w))),
        p.caveat !== null ? h('p', { class: 'muted' }, p.caveat) : null);
    } catch (err) { planBox.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); }
  };
  const picker = nodes !== undefined ? h('label', {}, op === 'relocate' ? 'To node' : 'On node',
    h('select', { id: 'target-node', onchange: (e: Event) => { node = (e.target as HTMLSelectElement).value; void refresh(); } },
      h('option', { value: '' }, op === 'relocate' ? '(best node by policy)' : '(best node by policy)'),
      ...nodes.map((n) => h('option', { value: n }, n)))) : null;
  const cli = h('p', { class: 'muted code', id: 'cli' });
  const showCli = () => { cli.textContent = `Same as: ${clusvcadmLine(id, op, node)}`; };
  picker?.addEventListener('change', showCli);
  showCli();
  body.replaceChildren(h('h2', {}, `${op} ${shortId(id)}`), picker ?? '', planBox, cli);
  $('dialog-ok').textContent = `Confirm ${op}`;
  void refresh();
  if (!(await openDialog())) return;
  try {
    const r = await api<{ message?: string; owner?: string | null; state?: string | null }>('POST', `/api/services/${encodeURIComponent(id)}/${op}`, node !== '' ? { node } : {});
    toast(`${op} ${shortId(id)}: ${r.message ?? 'done'}${r.state ? `; now ${r.state}${r.owner ? ` on ${r.owner}` : ''}` : ''}`);
  } catch (err) { toast(`${op} ${shortId(id)} refused: ${(err as Error).message}`, true); }
}

/** The clusvcadm command that does the same (Hawk's "command log" idea). */
function clusvcadmLine(id: string, op: string, node: string): string {
  const flag: Record<string, string> = { enable: '-e', disable: '-d', relocate: '-r', restart: '-R', freeze: '-Z', unfreeze: '-U' };
  const target = node !== '' && (op === 'enable' || op === 'relocate') ? ` -m ${node}` : op === 'enable' ? ' -F' : '';
  return `clusvcadm ${flag[op] ?? op} ${shortId(id)}${target}`;
}

function openDialog(): Promise<boolean> {
  const d = $('dialog') as HTMLDialogElement;
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = '';
    d.showModal();
  });
}

interface Detail {
  id: string; recovery: string; maxRestarts: number; restartExpireTimeS: number; autostart: boolean; exclusive: boolean; depend: string | null;
  tree: { depth: number; type: string; name: string; line: number; attrs: Record<string, string>; shared: boolean }[];
  domain: null | { name: string; ordered: boolean; restricted: boolean; nofailback: boolean; nodes: { name: string; priority: number; rank: number }[] };
  why: string[]; restarts: number | null;
  resources: null | { owner: string | null; state: string; truncated: boolean; nowMs: number; resources: ResourceStatus[] };
  resourcesError: string | null;
}

interface ResourceStatus {
  path: string; id: string; disabled: boolean; failures: number;
  last: null | { op: string; rc: number; rcText: string; ok: boolean; tolerated: boolean; depth: number; atMs: number; durationMs: number; timedOut: boolean };
}

/** Match the config rows (document order) to the owner's resources (start order) by type:name, each used once. */
function statusCells(d: Detail): (HTMLElement | null)[] {
  const pool = [...(d.resources?.resources ?? [])];
  return d.tree.map((r) => {
    if (d.resources === null || d.resources.owner === null) return null;
    const i = pool.findIndex((x) => x.id === `${r.type}:${r.name}`);
    if (i < 0) return h('span', { class: 'rs muted' }, ' · no status');
    const x = pool.splice(i, 1)[0]!;
    if (x.disabled) return h('span', { class: 'rs error', 'data-status': 'disabled' }, ' · stopped after a failure (non-critical)');
    if (x.last === null) return h('span', { class: 'rs muted', 'data-status': 'none' }, ` · not checked yet${x.failures > 0 ? `, ${x.failures} failure(s)` : ''}`);
    const l = x.last;
    const status = l.tolerated ? 'tolerated' : l.ok ? 'ok' : 'failed';
    return h('span', { class: `rs ${l.ok && !l.tolerated ? 'online' : 'error'}`, 'data-status': status, title: `${l.op} at depth ${l.depth}, ${l.durationMs} ms${l.timedOut ? ', timed out' : ''}` },
      ` · ${status === 'ok' ? 'OK' : status === 'tolerated' ? 'failed (tolerated)' : 'FAILED'} rc ${l.rc} (${l.rcText}), ${l.op} depth ${l.depth}, ${time(l.atMs)}`,
      x.failures > 0 ? `, ${x.failures} failure(s) since start` : '');
  });
}

async function renderServiceDetail(id: string, box: HTMLElement): Promise<void> {
  let d: Detail;
  try { d = await api<Detail>('GET', `/api/services/${encodeURIComponent(id)}`); } catch (err) { box.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  const online = new Set(snap?.members.filter((m) => m.online).map((m) => m.name));
  const cells = statusCells(d);
  box.replaceChildren(h('div', { class: 'card', id: 'detail' },
    h('h2', {}, `Service ${shortId(id)}`),
    h('div', { class: 'grid' },
      h('div', {},
        h('h3', {}, 'Resource tree'),
        h('div', { class: 'tree code', id: 'resource-tree' }, ...d.tree.map((r, i) => h('div', { style: undefined, 'data-depth': String(r.depth), 'data-resource': `${r.type}:${r.name}` },
          '\u00a0'.repeat(r.depth * 3), h('span', { class: 't' }, r.type), ` ${r.name}`, r.shared ? h('span', { class: 'flag' }, 'shared') : null,
          h('span', { class: 'muted' }, ` line ${r.line}`), cells[i]))),
        h('p', { class: 'muted', id: 'resource-status-note' }, d.resourcesError !== null ? `Last status results unavailable: ${d.resourcesError}` :
          d.resources?.owner == null ? 'Not running: no status checks.' :
            `Last status checks on ${d.resources.owner} (as of ${time(d.resources.nowMs)})${d.resources.truncated ? '; only the first resources are shown' : ''}.`)),
      h('div', {},
        h('h3', {}, 'Failover domain'),
        d.domain === null ? h('p', {}, 'None: any member may run it.') : h('div', {},
          h('p', {}, `${d.domain.name}: ${d.domain.ordered ? 'ordered' : 'unordered'}, ${d.domain.restricted ? 'restricted' : 'unrestricted'}${d.domain.nofailback ? ', no failback' : ''}`),
          h('table', {}, h('tr', {}, h('th', {}, 'Rank'), h('th', {}, 'Node'), h('th', {}, 'Priority'), h('th', {}, 'Status')),
            ...d.domain.nodes.map((n) => h('tr', {}, h('td', {}, String(n.rank)), h('td', {}, n.name), h('td', {}, d.domain!.ordered ? String(n.priority) : '—'),
              h('td', { class: online.has(n.name) ? 'online' : 'offline' }, online.has(n.name) ? 'Online' : 'Offline'))))),
        h('h3', {}, 'Recovery'),
        h('p', { id: 'restarts' }, `Policy ${d.recovery}; restarts ${d.restarts ?? '?'}${d.maxRestarts > 0 ? ` of max_restarts ${d.maxRestarts}` : ' (no max_restarts)'}` +
          (d.restartExpireTimeS > 0 ? ` within ${d.restartExpireTimeS}s` : '') + `; autostart ${d.autostart ? 'yes' : 'no'}${d.exclusive ? '; exclusive' : ''}` +
          (d.depend !== null ? `; depends on ${d.depend}` : '')))),
    h('h3', {}, 'Why is it where it is?'),
    h('ul', { class: 'why', id: 'why' }, ...d.why.map((w) => h('li', {}, w)))));
}

// ---------------------------------------------------------------------------------- fencing

interface Fencing {
  nodes: { name: string; methods: { name: string; devices: { name: string; agent: string; args: Record<string, string> }[] }[] }[];
  devices: { name: string; agent: string; args: Record<string, string> }[];
  postFailDelayS: number; postJoinDelayS: number;
  history: { victim: string; method: string | null; device: string | null; result: string; startedMs: number; durationMs: number | null; by: string | null; message: string }[] | null;
}

interface FenceStatus { node: string; outcome: string; power: 'on' | 'off' | null; atMs: number; error: string | null;
  devices: { method: number; device: string; agent: string; ok: boolean; result: string }[] }
/** The last device status check per node (kept across re-renders of the tab). */
const fenceStatus = new Map<string, FenceStatus>();
let fenceStatusBusy = false;

function fenceStatusCell(node: string): HTMLElement {
  const st = fenceStatus.get(node);
  if (st === undefined) return h('td', { class: 'fence-status muted', 'data-node': node }, fenceStatusBusy ? 'checking…' : '—');
  const good = st.outcome === 'success';
  return h('td', { class: `fence-status ${good ? 'online' : 'error'}`, 'data-node': node, 'data-outcome': st.outcome },
    st.error !== null ? `error: ${st.error}` : st.outcome === 'undefined' ? 'no fence method' :
      `${good ? 'devices answer' : 'device check failed'}${st.power !== null ? `; power ${st.power}` : ''}`,
    ...st.devices.map((d) => h('div', { class: d.ok ? 'muted' : 'error' }, `${d.method}.${d.device} (${d.agent}): ${d.result}`)),
    h('div', { class: 'muted' }, `checked ${time(st.atMs)}`));
}

async function checkFenceStatus(): Promise<void> {
  if (fenceStatusBusy) return;
  fenceStatusBusy = true;
  if (tab === 'fencing') void renderFencing(false);
  try {
    const r = await api<{ nodes: FenceStatus[] }>('GET', '/api/fencing/status');
    for (const n of r.nodes) fenceStatus.set(n.node, n);
  } catch (err) { toast(`device status: ${(err as Error).message}`, true); }
  finally { fenceStatusBusy = false; }
  if (tab === 'fencing') void renderFencing(false);
}

let fencingSig = '';
const fencingSignature = (): string => snap === undefined ? '' :
  JSON.stringify([snap.fenceHistory?.length, snap.fenceHistory?.at(-1), snap.members.map((m) => [m.online, m.fence]), snap.features.fencing]);

async function renderFencing(first: boolean): Promise<void> {
  const view = $('view');
  let f: Fencing;
  try { f = await api<Fencing>('GET', '/api/fencing'); } catch (err) { view.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  if (tab !== 'fencing') return;
  const status = new Map(snap?.members.map((m) => [m.name, m]));
  const nodes = h('table', { id: 'fence-nodes' },
    h('tr', {}, h('th', {}, 'Node'), h('th', {}, 'Status'), h('th', {}, 'Methods (tried in order) and devices'), h('th', {}, 'Device status (fence_node -S)'), h('th', {}, '')),
    ...f.nodes.map((n) => h('tr', { 'data-node': n.name },
      h('td', {}, n.name),
      h('td', {}, status.get(n.name)?.online ? 'Online' : 'Offline', status.get(n.name)?.fence ? ` · ${status.get(n.name)!.fence}` : ''),
      h('td', {}, n.methods.length === 0 ? h('span', { class: 'error' }, 'no fence method: this node cannot be fenced') :
        h('ol', {}, ...n.methods.map((m) => h('li', {}, h('b', {}, m.name), ': ',
          m.devices.map((d) => `${d.name} (${d.agent}${Object.keys(d.args).length > 0 ? ` ${Object.entries(d.args).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`).join(' + '))))),
      fenceStatusCell(n.name),
      h('td', {}, can('admin') && snap?.features.fencing ? h('button', { class: 'danger', onclick: () => void askFence(n.name) }, 'Fence this node…') : null))));
  const history = f.history === null ? h('p', { class: 'muted' }, 'This daemon keeps no fence history yet.') :
    f.history.length === 0 ? h('p', { class: 'muted' }, 'No fencing so far.') :
      h('table', { id: 'fence-history' }, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Victim'), h('th', {}, 'Method / device'), h('th', {}, 'Result'), h('th', {}, 'Duration'), h('th', {}, 'By')),
        ...f.history.slice().reverse().map((r) => h('tr', {}, h('td', {}, time(r.startedMs)), h('td', {}, r.victim), h('td', {}, r.method === null && r.device === null ? '—' : `${r.method ?? '?'} / ${r.device ?? '?'}`),
          h('td', { class: r.result === 'failed' ? 'error' : '' }, r.result, h('span', { class: 'muted' }, r.message !== '' ? ` — ${r.message}` : '')), h('td', {}, r.durationMs !== null ? `${r.durationMs} ms` : '—'), h('td', {}, r.by ?? '—'))));
  view.replaceChildren(
    h('div', { class: 'card' }, h('h2', {}, 'Fence methods per node'), nodes,
      h('p', {}, h('button', { id: 'check-fence-status', disabled: fenceStatusBusy, onclick: () => void checkFenceStatus() }, 'Check device status'),
        h('span', { class: 'muted' }, ' Asks each node\'s devices for its power state (status action, nothing is switched).')),
      h('p', { class: 'muted' }, `post_fail_delay ${f.postFailDelayS}s, post_join_delay ${f.postJoinDelayS}s`)),
    h('div', { class: 'card' }, h('h2', {}, 'Fence devices'), h('table', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'Agent'), h('th', {}, 'Options')),
      ...f.devices.map((d) => h('tr', {}, h('td', {}, d.name), h('td', {}, d.agent), h('td', { class: 'code' }, Object.entries(d.args).map(([k, v]) => `${k}=${v}`).join(' ')))))),
    h('div', { class: 'card' }, h('h2', {}, 'Fence history'), history));
  void first;
}

async function askFence(node: string): Promise<void> {
  const input = h('input', { id: 'fence-confirm', autocomplete: 'off' }) as HTMLInputElement;
  const ok = $('dialog-ok') as HTMLButtonElement;
  ok.textContent = `Fence ${node}`;
  ok.disabled = true;
  input.addEventListener('input', () => { ok.disabled = input.value !== node; });
  $('dialog-body').replaceChildren(h('h2', {}, `Fence ${node}?`),
    h('p', {}, `This powers ${node} off (or reboots it) through its fence devices. Services on it move elsewhere. Type the node name to confirm.`),
    h('label', {}, 'Node name', input));
  const confirmed = await openDialog();
  ok.disabled = false;
  if (!confirmed) return;
  try { await api('POST', `/api/fencing/${encodeURIComponent(node)}`, { confirm: input.value }); toast(`fencing ${node} requested`); }
  catch (err) { toast(`fence ${node} refused: ${(err as Error).message}`, true); }
}

// ---------------------------------------------------------------------------------- config

interface Validation {
  valid: boolean; version: number | null; versionProblem: string | null; changes: string[];
  problems: { severity: string; line: number; where: string; message: string }[];
}

interface UpdateResult {
  dryRun: boolean; fromVersion: number; toVersion: number; changes: string[]; activated: boolean; message: string;
  nodes: { name: string; ok: boolean; left?: boolean; error?: string }[];
}
interface History { runningVersion: number; clusterVersion: number | null; entries: { version: number; sha256: string; bytes: number; savedMs: number; running: boolean }[] }

function changeList(id: string, r: UpdateResult): HTMLElement {
  return h('div', { id },
    h('p', {}, `Version ${r.fromVersion} → ${r.toVersion}: ${r.changes.length === 0 ? 'nothing to restart or reconfigure' : 'what would change on the running cluster:'}`),
    r.changes.length > 0 ? h('ul', {}, ...r.changes.map((x) => h('li', {}, x))) : null);
}

async function renderConfig(): Promise<void> {
  const view = $('view');
  let c: { version: number; file: string; text: string; propagate: boolean };
  try { c = await api('GET', '/api/config'); } catch (err) { view.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  const admin = can('admin');
  const gutter = h('div', { class: 'gutter', id: 'gutter' });
  const ta = h('textarea', { id: 'config-text', spellcheck: 'false', readonly: !admin }) as HTMLTextAreaElement;
  ta.value = c.text;
  const result = h('div', { id: 'config-result' });
  const dryBox = h('div', { id: 'dry-run-box' });
  const propagate = h('button', { id: 'propagate', class: 'primary', disabled: true }, 'Propagate (cman_tool version -r)…') as HTMLButtonElement;
  let seq = 0;
  let lastDry: UpdateResult | undefined;
  const paintGutter = (bad: Set<number>) => {
    const n = ta.value.split('\n').length;
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h('div', { class: bad.has(i + 1) ? 'bad' : '', 'data-line': String(i + 1) }, String(i + 1))));
    ta.style.height = `calc(${n * 1.4}em + 12px + 16px)`;
  };
  const validate = async () => {
    const mine = ++seq;
    propagate.disabled = true;
    lastDry = undefined;
    let v: Validation;
    try { v = await api<Validation>('POST', '/api/config/validate', { text: ta.value }); } catch (err) { result.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
    if (mine !== seq) return;
    paintGutter(new Set(v.problems.filter((p) => p.severity === 'error').map((p) => p.line)));
    const ok = v.valid && v.versionProblem === null && v.changes.length > 0;
    fill(result,
      h('p', { id: 'validity', class: v.valid ? 'online' : 'error' }, v.valid ? `Valid (config_version ${v.version ?? '?'})` : 'Not valid'),
      v.problems.length > 0 ? h('ul', { class: 'problems', id: 'problems' }, ...v.problems.map((p) =>
        h('li', { class: p.severity === 'error' ? 'error' : 'muted', 'data-line': String(p.line) }, `line ${p.line}: ${p.severity}: ${p.message}`, h('span', { class: 'muted' }, p.where !== '' ? ` (${p.where})` : '')))) : null,
      v.versionProblem !== null && v.changes.length > 0 ? h('p', { class: 'error', id: 'version-problem' }, v.versionProblem) : null,
      v.valid ? h('div', { id: 'diff' }, h('h3', {}, 'Difference from the running version'),
        v.changes.length === 0 ? h('p', { class: 'muted' }, 'No change.') : h('ul', {}, ...v.changes.map((x) => h('li', {}, x)))) : null,
      !c.propagate ? h('p', { class: 'muted' }, 'This daemon cannot propagate a configuration: validation and diff only.') : null);
    dryBox.replaceChildren();
    if (!ok || !c.propagate || !admin) return;
    // The dry run: the daemon's own update code (cman_tool version -r --dry-run) says what would change.
    dryBox.replaceChildren(h('p', { class: 'muted' }, 'Dry run…'));
    try {
      const r = await api<UpdateResult>('POST', '/api/config/dry-run', { text: ta.value, baseVersion: c.version });
      if (mine !== seq) return;
      lastDry = r;
      dryBox.replaceChildren(h('h3', {}, 'Dry run'), changeList('dry-run', r));
      propagate.disabled = false;
    } catch (err) {
      if (mine !== seq) return;
      dryBox.replaceChildren(h('h3', {}, 'Dry run'), h('p', { class: 'error', id: 'dry-run-error' }, (err as Error).message));
    }
  };
  let timer: number | undefined;
  ta.addEventListener('input', () => { paintGutter(new Set()); propagate.disabled = true; clearTimeout(timer); timer = window.setTimeout(() => void validate(), 250); });
  propagate.addEventListener('click', () => void (async () => {
    const dry = lastDry;
    if (dry === undefined) return;
    $('dialog-body').replaceChildren(h('h2', {}, `Propagate version ${dry.toVersion}?`),
      h('p', {}, `Every member validates and stages it; it is activated on all of them or on none (cman_tool version -r).`), changeList('propagate-plan', dry));
    $('dialog-ok').textContent = `Propagate version ${dry.toVersion}`;
    if (!(await openDialog())) return;
    const text = ta.value;
    try {
      const r = await api<UpdateResult>('POST', '/api/config/propagate', { text, baseVersion: c.version });
      toast(r.message);
      await renderConfig();
    } catch (err) {
      toast(`not propagated: ${(err as Error).message}`, true);
      dryBox.append(h('p', { class: 'error', id: 'propagate-error' }, (err as Error).message));
    }
  })());
  const historyBox = h('div', { id: 'history' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(h('div', { class: 'card' },
    h('h2', {}, `cluster.conf (running version ${c.version})`),
    h('div', { class: 'editor' }, gutter, ta),
    result, dryBox,
    admin && c.propagate ? h('p', {}, propagate) : null),
  h('div', { class: 'card' }, h('h2', {}, 'Versions kept on this node'), historyBox));
  paintGutter(new Set());
  void validate();
  if (!c.propagate) { historyBox.replaceChildren(h('p', { class: 'muted' }, 'No version history on this daemon.')); return; }
  try {
    const hist = await api<History>('GET', '/api/config/history');
    historyBox.replaceChildren(hist.entries.length === 0 ? h('p', { class: 'muted' }, 'None kept yet.') :
      h('table', { id: 'versions' }, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Saved'), h('th', {}, 'Size'), h('th', {}, 'SHA-256'), h('th', {}, '')),
        ...hist.entries.slice().sort((x, y) => y.version - x.version).map((e) => h('tr', { 'data-version': String(e.version) },
          h('td', {}, String(e.version), e.running ? h('span', { class: 'flag' }, 'running') : null),
          h('td', {}, time(e.savedMs)), h('td', {}, `${e.bytes} B`), h('td', { class: 'code' }, e.sha256.slice(0, 12)),
          h('td', {}, admin && !e.running ? h('button', { onclick: () => void askRollback(e.version, c.version) }, 'Roll back to this…') : null)))));
  } catch (err) { historyBox.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); }
}

async function askRollback(version: number, running: number): Promise<void> {
  const body = $('dialog-body');
  const ok = $('dialog-ok') as HTMLButtonElement;
  body.replaceChildren(h('h2', {}, `Roll back to version ${version}?`), h('p', { class: 'muted' }, 'Dry run…'));
  ok.textContent = 'Roll back';
  ok.disabled = true;
  void api<UpdateResult>('POST', '/api/config/dry-run', { version }).then((r) => {
    body.replaceChildren(h('h2', {}, `Roll back to version ${version}?`),
      h('p', {}, `Its content is propagated as the new version ${r.toVersion} (ccs_tool rollback ${version}).`), changeList('rollback-plan', r));
    ok.disabled = false;
  }, (err: Error) => body.append(h('p', { class: 'error' }, err.message)));
  const confirmed = await openDialog();
  ok.disabled = false;
  if (!confirmed) return;
  try {
    const r = await api<UpdateResult>('POST', '/api/config/rollback', { version, baseVersion: running });
    toast(r.message);
  } catch (err) { toast(`rollback refused: ${(err as Error).message}`, true); }
  await renderConfig();
}

// ---------------------------------------------------------------------------------- timeline

async function renderTimeline(): Promise<void> {
  const view = $('view');
  let t: { incidents: Incident[] };
  try { t = await api('GET', '/api/timeline'); } catch (err) { view.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  if (tab !== 'timeline') return;
  view.replaceChildren(h('div', { class: 'card', id: 'incidents' }, h('h2', {}, 'Incidents (seen by this node since it started)'),
    t.incidents.length === 0 ? h('p', { class: 'muted' }, 'No incidents.') : h('div', {}, ...t.incidents.map((i) => h('div', { class: 'card incident', 'data-node': i.node },
      h('h3', {}, `${time(i.startedMs)} — ${i.node} lost`, i.open ? h('span', { class: 'flag' }, 'open') : h('span', { class: 'flag' }, `${i.totalMs} ms total`)),
      ...i.phases.map((p) => h('div', { class: 'phase' }, h('span', { class: 'ms' }, `+${p.sinceStartMs} ms`), h('b', {}, p.name), h('span', {}, p.subject), h('span', { class: 'muted' }, p.detail))))))));
}

// ---------------------------------------------------------------------------------- users / audit

async function renderUsers(): Promise<void> {
  const view = $('view');
  let u: { users: { name: string; role: string; changedMs: number }[] };
  try { u = await api('GET', '/api/users'); } catch (err) { view.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  const form = h('form', { id: 'user-form' },
    h('label', {}, 'User', h('input', { name: 'name', required: true })),
    h('label', {}, 'Role', h('select', { name: 'role' }, h('option', {}, 'viewer'), h('option', {}, 'operator'), h('option', {}, 'admin'))),
    h('label', {}, 'Password (empty: change the role only)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' })),
    h('button', { type: 'submit', class: 'primary' }, 'Save')) as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    void api('POST', '/api/users', { name: fd.get('name'), role: fd.get('role'), password: fd.get('password') })
      .then(() => { toast('saved'); void renderUsers(); }, (err: Error) => toast(err.message, true));
  });
  view.replaceChildren(h('div', { class: 'grid' },
    h('div', { class: 'card' }, h('h2', {}, 'Users (replicated to every node)'), h('table', { id: 'users' }, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'Role'), h('th', {}, 'Changed'), h('th', {}, '')),
      ...u.users.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.role), h('td', { class: 'muted' }, x.changedMs > 0 ? new Date(x.changedMs).toLocaleString() : '—'),
        h('td', {}, x.name !== session?.user ? h('button', { onclick: () => void api('DELETE', `/api/users/${encodeURIComponent(x.name)}`).then(() => renderUsers(), (err: Error) => toast(err.message, true)) }, 'Delete') : null))))),
    h('div', { class: 'card' }, h('h2', {}, 'Add or change a user'), form)));
}

async function renderAudit(): Promise<void> {
  const view = $('view');
  let a: { records: { time: string; node: string; user: string; role: string; ip: string; action: string; target?: string; params?: unknown; result: string; status: number; message?: string }[] };
  try { a = await api('GET', '/api/audit?limit=200'); } catch (err) { view.replaceChildren(h('p', { class: 'error' }, (err as Error).message)); return; }
  view.replaceChildren(h('div', { class: 'card' }, h('h2', {}, `Audit log of ${session?.node ?? 'this node'} (newest first)`),
    h('table', { id: 'audit' }, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'User'), h('th', {}, 'Action'), h('th', {}, 'Target'), h('th', {}, 'Result'), h('th', {}, 'From')),
      ...a.records.map((r) => h('tr', {}, h('td', {}, new Date(r.time).toLocaleString()), h('td', {}, `${r.user} (${r.role})`), h('td', {}, r.action),
        h('td', {}, r.target ?? '', r.params !== undefined ? h('span', { class: 'muted' }, ` ${JSON.stringify(r.params)}`) : null),
        h('td', { class: r.result === 'ok' ? 'online' : 'error' }, `${r.result} ${r.status}`, r.message !== undefined ? h('span', { class: 'muted' }, ` ${r.message}`) : null),
        h('td', { class: 'muted' }, r.ip))))));
}

// ---------------------------------------------------------------------------------- start

function start(): void {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const fd = new FormData(e.target as HTMLFormElement);
    $('login-error').textContent = '';
    void api<SessionInfo>('POST', '/api/login', { user: fd.get('user'), password: fd.get('password') })
      .then((s) => afterLogin(s), (err: Error) => { $('login-error').textContent = err.message; });
  });
  $('logout').addEventListener('click', () => void api('POST', '/api/logout').finally(() => showLogin()));
  window.addEventListener('hashchange', () => { if (session !== undefined) route(); });
  // Time-in-state ticks without server traffic.
  setInterval(() => { if (snap !== undefined && tab === 'overview') renderOverview(); }, 1000);
  void fetch('/api/session', { credentials: 'same-origin' }).then(async (r) => {
    if (r.ok) await afterLogin((await r.json()) as SessionInfo);
    else showLogin();
  }, () => showLogin());
}

start();
