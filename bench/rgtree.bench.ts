// Resource trees: building a large <rm>, loading agent metadata (cold vs cached), and a noop
// agent run through the executor against `node -e 0`-style baselines measured in the same run.
import { spawnSync } from 'node:child_process';
import type { Bench } from './harness.js';
import { timeMs } from './harness.js';
import { agentDirs, builtinAgentDir, clearMetadataCache, loadResourceRules } from '../src/rgmanager/rules.js';
import { buildResourceForest } from '../src/rgmanager/tree.js';
import { readXml } from '../src/config/xml.js';
import { Executor } from '../src/rgmanager/executor.js';

function bigRm(services: number): string {
  let res = '';
  let svcs = '';
  for (let i = 0; i < services; i++) {
    const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
    res += `<ip address="${ip}"/><fs name="fs${i}" mountpoint="/m/${i}" device="/dev/d${i}"/><script name="s${i}" file="/etc/init.d/s${i}"/>\n`;
    svcs += `<service name="svc${i}"><fs ref="fs${i}"><ip ref="${ip}"/></fs><script ref="s${i}"/></service>\n`;
  }
  return `<cluster name="c" config_version="1"><rm><resources>${res}</resources>${svcs}</rm></cluster>`;
}

export const benches: Bench[] = [
  {
    name: 'rgtree: build 2000 services (8000 resources)',
    async run() {
      const { rules } = await loadResourceRules(agentDirs(builtinAgentDir, {}));
      const xml = readXml(bigRm(2000));
      if (!xml.ok) return { name: this.name, unit: 'ms', median: Number.NaN, error: xml.finding.message };
      const rm = xml.root.children[0]!;
      const t = await timeMs(() => buildResourceForest(rm, rules, 'bench.conf'), 10);
      return { name: this.name, unit: 'ms', ...t };
    },
  },
  {
    name: 'rgtree: load agent metadata (20 agents, cold)',
    async run() {
      const t = await timeMs(async () => {
        clearMetadataCache();
        await loadResourceRules(agentDirs(builtinAgentDir, {}));
      }, 10);
      const cached = await timeMs(() => loadResourceRules(agentDirs(builtinAgentDir, {})), 10);
      return { name: this.name, unit: 'ms', ...t, baseline: `cached in process: ${cached.median.toFixed(1)} ms` };
    },
  },
  {
    name: 'rgtree: one agent run (service.sh status) through the executor',
    async run() {
      const { rules } = await loadResourceRules(agentDirs(builtinAgentDir, {}));
      const xml = readXml('<cluster name="c" config_version="1"><rm><service name="s"/></rm></cluster>');
      if (!xml.ok) return { name: this.name, unit: 'ms', median: Number.NaN, error: 'xml' };
      const root = buildResourceForest(xml.root.children[0]!, rules, 'b.conf').roots[0]!;
      const ex = new Executor();
      const t = await timeMs(() => ex.runAgent(root, 'status', { depth: 0 }), 30);
      const bash = await timeMs(() => spawnSync('bash', ['-c', 'exit 0']), 30);
      return { name: this.name, unit: 'ms', ...t, baseline: `bash -c 'exit 0': ${bash.median.toFixed(1)} ms` };
    },
  },
];
