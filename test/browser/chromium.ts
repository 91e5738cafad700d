// Debian's Chromium, headless, driven by playwright-core (no browser download): the flags this
// closed machine needs, and a fresh profile per context.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

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
