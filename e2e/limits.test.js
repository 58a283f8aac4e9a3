// Rate limiting as the SDK sees it: a 429 becomes LatchkeyAPIResponseError
// with the Retry-After header (exposed to scripts by CORS) in `retryAfter`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { alertText, button, launchBrowser, openDemo, startServer, waitForText, withPage } from './harness.js';

/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer({ env: { LATCHKEY_RATE_LIMIT__PER_IP_PER_MINUTE: '30' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('rate limiting', () => {
  test('a 429 carries retryAfter and shows as an error on the page', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      await openDemo(page, server.url);
      const result = await page.evaluate(async () => {
        const { Latchkey } = await import('/sdk/latchkey.js');
        const latchkey = new Latchkey();
        // Bounded: the limit is 30 a minute, so 60 calls must hit it.
        for (let i = 0; i < 60; i++) {
          try {
            await latchkey.signIn.create({ identifier: 'nobody-here' });
          } catch (error) {
            const e = /** @type {any} */ (error);
            if (e.status === 429) return { status: e.status, code: e.code, retryAfter: e.retryAfter, name: e.name, calls: i + 1 };
          }
        }
        return null;
      });
      assert.ok(result, 'no 429 within 60 calls');
      assert.equal(result.name, 'LatchkeyAPIResponseError');
      assert.equal(result.code, 'rate_limit_exceeded');
      assert.equal(typeof result.retryAfter, 'number');
      assert.ok(result.retryAfter > 0 && result.retryAfter <= 60, `retryAfter ${result.retryAfter}`);

      await page.getByPlaceholder('Username', { exact: true }).fill('someone');
      await button(page, 'Sign up').click();
      await waitForText(alertText(page), 'rate_limit_exceeded');
    });
  });
});
