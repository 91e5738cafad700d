// Agents that run in-process through fence() (no process start). Loaders are lazy so that a
// process using one agent does not load the others.
import { registerAgent } from './agent/api.js';

const apcSnmp = async () => (await import('./apc/fence_apc_snmp.js')).fenceApcSnmp;
registerAgent('fence_apc_snmp', apcSnmp);
registerAgent('fence_tripplite_snmp', apcSnmp);
const ipmilan = async () => (await import('./fence_ipmilan.js')).fenceIpmilan;
for (const name of ['fence_ipmilan', 'fence_ipmilanplus', 'fence_idrac', 'fence_ilo3', 'fence_ilo4', 'fence_ilo5', 'fence_imm']) {
  registerAgent(name, ipmilan);
}
