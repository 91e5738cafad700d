// A logger that drops everything: agent output goes to the log, keep the test report readable.
import type { Logger } from '../../../src/log/index.js';

const noop = (): void => undefined;
export const quiet: Logger = { error: noop, warn: noop, notice: noop, info: noop, debug: noop };
