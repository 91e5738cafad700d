// Parse + validate a generated 64-node, 2,000-service cluster.conf (goal < 150 ms, median).
import type { Bench } from './harness.js';
import { timeMs } from './harness.js';
import { parseClusterConf } from '../src/config/index.js';

/** A big but valid cluster.conf: 64 nodes with IPMI fencing, 16 domains, 2,000 ip/fs/script services. */
export function generateBigClusterConf(nodeCount = 64, serviceCount = 2000): string {
  const out: string[] = ['<?xml version="1.0"?>', '<cluster name="big" config_version="42">', '  <cman port="5405"/>', '  <totem token="20000"/>', '  <clusternodes>'];
  for (let i = 1; i <= nodeCount; i++) {
    out.push(`    <clusternode name="node${i}" nodeid="${i}" votes="1">`,
      `      <fence><method name="ipmi"><device name="ipmi${i}"/></method></fence>`, '    </clusternode>');
  }
  out.push('  </clusternodes>', '  <fencedevices>');
  for (let i = 1; i <= nodeCount; i++) {
    out.push(`    <fencedevice name="ipmi${i}" agent="fence_ipmilan" ipaddr="10.0.${i >> 8}.${i & 255}" login="admin" passwd="secret" lanplus="1"/>`);
  }
  out.push('  </fencedevices>', '  <rm>', '    <failoverdomains>');
  for (let d = 0; d < 16; d++) {
    out.push(`      <failoverdomain name="dom${d}" ordered="1" restricted="${d % 2}">`);
    for (let k = 0; k < 4; k++) out.push(`        <failoverdomainnode name="node${d * 4 + k + 1}" priority="${k + 1}"/>`);
    out.push('      </failoverdomain>');
  }
  out.push('    </failoverdomains>', '    <resources>');
  for (let s = 0; s < serviceCount; s++) out.push(`      <script name="app${s}" file="/etc/init.d/app${s}"/>`);
  out.push('    </resources>');
  for (let s = 0; s < serviceCount; s++) {
    out.push(`    <service name="svc${s}" domain="dom${s % 16}" recovery="relocate" autostart="1">`,
      `      <ip address="10.${1 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}" monitor_link="0">`,
      `        <fs name="fs${s}" device="/dev/vg/lv${s}" mountpoint="/srv/s${s}" fstype="ext4">`,
      `          <script ref="app${s}"/>`, '        </fs>', '      </ip>', '    </service>');
  }
  out.push('  </rm>', '</cluster>', '');
  return out.join('\n');
}

export const benches: Bench[] = [{
  name: 'config: parse+validate 64 nodes, 2000 services',
  async run() {
    const text = generateBigClusterConf();
    const small = generateBigClusterConf(3, 3);
    const first = parseClusterConf(text, 'big.conf'); // also compiles the schema once
    if (first.config === undefined) throw new Error(`generated config is invalid: ${first.problems[0]?.message ?? ''}`);
    const base = await timeMs(() => parseClusterConf(small, 'small.conf'), 50);
    const t = await timeMs(() => parseClusterConf(text, 'big.conf'), 15);
    return {
      name: 'config: parse+validate 64 nodes, 2000 services', unit: 'ms', median: t.median, p90: t.p90, samples: t.samples,
      goal: '< 150 ms', baseline: `3-node 3-service config: ${base.median.toFixed(2)} ms; ${(text.length / 1024).toFixed(0)} KiB`,
    };
  },
}];
