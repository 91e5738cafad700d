// Debian's Chromium, headless, driven by playwright-core (no browser download): the flags this
// closed machine needs, and a fresh profile per context.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { inCi } from '../support/paths.js';

export const CHROMIUM = '/usr/bin/chromium';

/** In a `before` hook: fail in CI when Debian's Chromium is missing, skip the suite elsewhere. */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (inCi) throw new Error(`${CHROMIUM} is missing (install Debian's chromium)`);
  ctx.skip();
}

/** A new headless context in a fresh profile directory (made under the temp dir, returned for cleanup). */
export async function launchChromium(profilePrefix: string, viewportHeight: number): Promise<{ context: BrowserContext; profile: string }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, ignoreHTTPSErrors: true, viewport: { width: 1280, height: viewportHeight },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}
