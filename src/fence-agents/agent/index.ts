// The shared fence-agent layer: option table, parsing (argv / stdin / device args), metadata,
// the generic action engine, the CLI entry, the external-agent runner and the in-process API.
export type { ActionName, AgentDefinition, DriverLog, OptionSpec, OptionType, CommonOptionFeatures } from './spec.js';
export { commonOptions, getoptText, longName, methodOption, portAsIpOption, localActions } from './spec.js';
export type { FenceDriver, PlugInfo, PowerState, FenceErrorKind } from './driver.js';
export { FenceError, fenceErrorTexts, errorLines } from './driver.js';
export { FenceOptions, UsageError, parseArgv, parseKeyValues, parseStdinText, resolveOptions, optionsFromArgs, normaliseAction } from './options.js';
export { metadataXml, usageText } from './metadata.js';
export { runAction, type ActionOutcome, type EngineHooks, type LogLevel } from './engine.js';
export { runAgentCli, agentMain, type CliIo } from './cli.js';
export { runExternalAgent, findAgent, stdinLines, defaultAgentDirs, type ExternalRunOptions, type ExternalRunResult } from './runner.js';
export { fence, registerAgent, loadAgent, inProcessAgents, mergeFenceArgs,
  type FenceDeviceInput, type FenceCallOptions, type FenceResult, type AgentLoader } from './api.js';
