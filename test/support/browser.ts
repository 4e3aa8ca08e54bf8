// Debian's Chromium driven by playwright-core: no browser is ever downloaded. Playwright starts
// it with a fresh temporary profile each time.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = [process.env.PORTOLAN_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!executablePath) {
    throw new Error('Chromium not found: install Debian\'s "chromium" package or set PORTOLAN_CHROMIUM');
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
