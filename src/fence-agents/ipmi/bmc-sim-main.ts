// Entry point of bin/ipmi_bmc_sim.
import { main } from './bmc-sim.js';

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`ipmi_bmc_sim: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
