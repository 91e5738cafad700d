// bin/fence_ipmilan (and the fence_ipmilanplus, fence_idrac, fence_ilo3/4/5, fence_imm links):
// the command-line agent. Imports only the agent layer's CLI and the IPMI client.
import { agentMain } from '../agent/cli.js';
import { fenceIpmilan } from '../fence_ipmilan.js';

agentMain(fenceIpmilan);
