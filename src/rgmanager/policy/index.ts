// Public surface of the placement and recovery policy.
export * from './types.js';
export { PolicyEngine, ILLEGAL, GOOD, BETTER, BEST, SCORE_NAMES } from './engine.js';
export type { StepResult } from './engine.js';
export { policyConfigFromCluster } from './from-config.js';
export { explainService } from './explain.js';
export { Scenario, parseSimEvent, serviceId } from './scenario.js';
export type { SimAction, SimEvent, SimReply } from './scenario.js';
export { simulationJson, formatSimulationText, formatActions, clustatModel } from './report.js';
export type { SimulationJson } from './report.js';
