// Agents that run in-process through fence() (no process start). Loaders are lazy so that a
// process using one agent does not load the others.
import { registerAgent } from './agent/api.js';

const apcSnmp = async () => (await import('./apc/fence_apc_snmp.js')).fenceApcSnmp;
registerAgent('fence_apc_snmp', apcSnmp);
registerAgent('fence_tripplite_snmp', apcSnmp);
// fence_ipmilan and its aliases (fence_ipmilanplus, fence_idrac, fence_ilo3/4/5, fence_imm) are
// registered here by the IPMI branch.
