import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium; nothing is downloaded at run time. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(__dirname, '..', '..', 'artifacts', 'screenshots');

/**
 * A real headless Chromium driving a page, with every uncaught page error and console error
 * recorded: a console that throws in the browser fails its test even when the DOM looks right.
 */
export class BrowserUnderTest {
  browser!: Browser;
  context!: BrowserContext;
  page!: Page;
  readonly errors: string[] = [];

  async start(): Promise<this> {
    // chromium.launch gives each run a fresh, temporary user data dir.
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
    this.context = await this.browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
    this.context.setDefaultTimeout(15_000);
    this.page = await this.context.newPage();
    this.page.on('pageerror', (err) => this.errors.push(`page error: ${err.message}`));
    this.page.on('console', (msg) => {
      // A 4xx the console asked for on purpose (a wrong token, a 400 it shows) is logged by the browser as a failed resource; not a defect.
      if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|401|404)/.test(msg.text())) {
        this.errors.push(`console error: ${msg.text()}`);
      }
    });
    return this;
  }

  /** Saves a full-page screenshot to artifacts/screenshots/<name>.png. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
  }
}
