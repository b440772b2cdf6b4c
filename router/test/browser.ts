import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, which scripts/install-tools.sh installs; playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless chromium (playwright gives it a throwaway profile). A
 * missing browser is a failure, not a skip: CI installs it, so its absence
 * means a broken machine.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`chromium not found at ${CHROMIUM_PATH}: run \`bash scripts/install-tools.sh\` (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      // Root in CI containers cannot use chromium's sandbox.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      // Without these chromium calls home (updates, sync, field trials) at start;
      // the test asserts the page itself makes no such request.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
