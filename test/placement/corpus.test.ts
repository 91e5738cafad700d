// The placement corpus (in the spirit of Pacemaker's cts/scheduler): every test/placement/cases/*.case
// file is one scenario. Format (one directive per line, '#' starts a comment):
//   config: NAME.conf                  a file in test/placement/configs/
//   online: node1,node2                nodes online at formation (default all)
//   event: EV                          an rg_simulate event, applied and settled
//   expect SVC STATE OWNER [last=N] [restarts=N] [flags=frozen,partial]    OWNER '-' = none
//   expect-quorate yes|no
//   expect-action OP TARGET [NODE]     an action of the last step (fence: TARGET is the victim)
//   expect-no-action OP [TARGET]       no such action in the last step
//   expect-reply CODE                  the last reply of the last step has this rgmanager code
//   expect-fence NODE clean|needed|fencing|failed
//   expect-why SVC TEXT                explain(SVC) contains TEXT
// The cluster forms before the first event or expectation. After every step the runner also
// checks the executor model: a started service runs exactly on its owner, a stopped or disabled
// one nowhere, and the core's per-node counts match.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseClusterConf, formatProblem } from '../../src/config/index.js';
import { Scenario, explainService, parseSimEvent, policyConfigFromCluster, serviceId } from '../../src/rgmanager/policy/index.js';
import { repoRoot } from '../support/paths.js';

const corpusDir = path.join(repoRoot, 'test', 'placement');
const casesDir = path.join(corpusDir, 'cases');

function loadScenario(configName: string): Scenario {
  const file = path.join(corpusDir, 'configs', configName);
  const r = parseClusterConf(readFileSync(file, 'utf8'), file);
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (r.config === undefined || errors.length > 0) throw new Error(`bad config ${configName}: ${errors.map(formatProblem).join('; ')}`);
  return new Scenario(policyConfigFromCluster(r.config), 1_385_561_045_000);
}

function checkModel(sc: Scenario, where: string): void {
  sc.engine.verifyCounts();
  for (const s of sc.engine.serviceViews()) {
    const on = sc.runningOn(s.id);
    if (s.state === 'started') expect(on, `${where}: ${s.id} started on ${s.owner} but runs on [${on}]`).to.deep.equal([s.owner]);
    if (s.state === 'stopped' || s.state === 'disabled') expect(on, `${where}: ${s.id} is ${s.state} but runs on [${on}]`).to.deep.equal([]);
  }
}

function runCase(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  let sc: Scenario | undefined;
  let online: string[] | undefined;
  let formed = false;
  let step = 0;
  const form = (): Scenario => {
    if (sc === undefined) throw new Error('config: must come first');
    if (!formed) { sc.form(online); formed = true; checkModel(sc, 'formation'); }
    return sc;
  };
  lines.forEach((raw, idx) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${path.basename(file)}:${idx + 1}`;
    const [head, ...rest] = line.split(/\s+/);
    const arg = line.slice(head!.length).trim();
    switch (head) {
      case 'config:': sc = loadScenario(arg); return;
      case 'online:': online = arg.split(',').map((s) => s.trim()); return;
      case 'event:': {
        const s = form();
        s.apply(parseSimEvent(arg, s.engine));
        step++;
        checkModel(s, where);
        return;
      }
      case 'expect': {
        const s = form();
        const [svc, state, owner, ...opts] = rest;
        const v = s.engine.service(serviceId(svc ?? ''));
        expect(v, `${where}: no service ${svc}`).to.not.equal(undefined);
        expect(v!.state, `${where}: state of ${svc}`).to.equal(state);
        if (owner !== undefined) expect(v!.owner ?? '-', `${where}: owner of ${svc}`).to.equal(owner);
        for (const o of opts) {
          const [k, val] = o.split('=');
          if (k === 'last') expect(v!.lastOwner ?? '-', `${where}: last owner of ${svc}`).to.equal(val);
          else if (k === 'restarts') expect(v!.restarts, `${where}: restarts of ${svc}`).to.equal(Number(val));
          else if (k === 'flags') {
            const flags = [v!.frozen ? 'frozen' : '', v!.partial ? 'partial' : ''].filter((f) => f !== '').join(',') || '-';
            expect(flags, `${where}: flags of ${svc}`).to.equal(val);
          } else throw new Error(`${where}: unknown expect option ${o}`);
        }
        return;
      }
      case 'expect-quorate':
        expect(form().engine.quorumView().quorate, `${where}: quorate`).to.equal(arg === 'yes');
        return;
      case 'expect-action':
      case 'expect-no-action': {
        const s = form();
        const [op, target, node] = rest;
        const hits = s.actions.filter((a) => a.step === step && a.op === op && (target === undefined || a.target === serviceIdOrNode(s, target))
          && (node === undefined || a.node === node));
        const list = s.actions.filter((a) => a.step === step).map((a) => `${a.op} ${a.target} ${a.node ?? '-'}`).join('; ');
        if (head === 'expect-action') expect(hits.length, `${where}: no action '${arg}' in step ${step}: [${list}]`).to.be.greaterThan(0);
        else expect(hits.length, `${where}: unexpected action '${arg}' in step ${step}: [${list}]`).to.equal(0);
        return;
      }
      case 'expect-reply': {
        const s = form();
        const replies = s.replies.filter((r) => r.step === step);
        expect(replies.length, `${where}: no reply in step ${step}`).to.be.greaterThan(0);
        expect(replies[replies.length - 1]!.code, `${where}: reply`).to.equal(arg);
        return;
      }
      case 'expect-fence': {
        const s = form();
        const n = s.engine.nodeViews().find((x) => x.name === rest[0]);
        expect(n?.fence, `${where}: fence state of ${rest[0]}`).to.equal(rest[1]);
        return;
      }
      case 'expect-why': {
        const s = form();
        const [svc] = rest;
        const text = arg.slice(svc!.length).trim();
        const why = explainService(s.engine, serviceId(svc!)).join('\n');
        expect(why, `${where}: explain ${svc}`).to.include(text);
        return;
      }
      default:
        throw new Error(`${where}: unknown directive '${head}'`);
    }
  });
  form();
}

function serviceIdOrNode(sc: Scenario, t: string): string {
  return sc.engine.hasNode(t) ? t : serviceId(t);
}

describe('placement corpus (test/placement/cases)', () => {
  const files = readdirSync(casesDir).filter((f) => f.endsWith('.case')).sort();
  it('has at least 40 cases', () => {
    expect(files.length).to.be.at.least(40);
  });
  for (const f of files) {
    it(f.replace(/\.case$/, ''), () => runCase(path.join(casesDir, f)));
  }
});
