/** Journey 4: bad inputs each get a clear message next to their field, and nothing breaks. */
import type { Page } from 'playwright-core';
import { expect, type Journey, startServe } from '../harness';

async function errorFor(page: Page, label: string | RegExp): Promise<string> {
  const field = page.getByLabel(label, { exact: typeof label === 'string' });
  const describedBy = await field.getAttribute('aria-describedby');
  expect(describedBy, `the field "${label}" must point to its error message`);
  expect((await field.getAttribute('aria-invalid')) === 'true', `the field "${label}" must be marked invalid`);
  return (await page.locator(`[id="${describedBy}"]`).textContent()) ?? '';
}

export const badInputsForms: Journey = {
  name: 'bad-inputs-forms',
  title: 'journey 4 (forms): invalid pool URL, wrong authority key, wrong mnemonic word, bad relay',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve');
    const serve = await startServe({ name: 'bad-inputs-forms' });
    cleanup(() => serve.dispose());
    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    step('invalid pool URL');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Add upstream', { exact: true }).fill('http://pool.example.com:3333');
    await page.getByRole('button', { name: 'Add upstream', exact: true }).click();
    let message = await errorFor(page, 'Add upstream');
    expect(/Not a pool address/.test(message), `invalid pool URL message, got "${message}"`);
    await shot(page, 'invalid-pool-url');

    step('wrong authority key');
    await page.getByLabel('Add upstream', { exact: true }).fill('stratum2+tcp://127.0.0.1:34254/0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl');
    await page.getByRole('button', { name: 'Add upstream', exact: true }).click();
    message = await errorFor(page, 'Add upstream');
    expect(/authority key/.test(message), `wrong authority key message, got "${message}"`);
    await page.getByLabel('Add upstream', { exact: true }).fill('stratum2+tcp://127.0.0.1:34254');
    await page.getByRole('button', { name: 'Add upstream', exact: true }).click();
    message = await errorFor(page, 'Add upstream');
    expect(/authority public key/.test(message), `missing authority key message, got "${message}"`);
    await shot(page, 'wrong-authority-key');

    step('the server refuses an invalid pool URL too');
    const refused = await serve.api_call<{ error: { message: string; field?: string } }>('PUT', '/settings', { upstreams: [{ url: 'stratum+tcp://pool:99999' }] });
    expect(refused.status === 400 && refused.body.error.field === 'upstreams.0.url', `PUT /settings with a bad upstream must be 400 naming the field, got ${refused.status} ${JSON.stringify(refused.body)}`);

    step('bad relay');
    await page.getByLabel('Add relay', { exact: true }).fill('https://relay.example');
    await page.getByRole('button', { name: 'Add relay', exact: true }).click();
    message = await errorFor(page, 'Add relay');
    expect(/ws:\/\//.test(message), `bad relay message, got "${message}"`);

    step('bad proxy port');
    await page.getByLabel('Stratum port for your Bitaxes').fill('70000');
    message = await errorFor(page, 'Stratum port for your Bitaxes');
    expect(/0 to 65535/.test(message), `bad port message, got "${message}"`);
    await page.getByRole('button', { name: 'Save settings' }).click();
    const saved = await serve.api_call<{ stratumPort: number }>('GET', '/settings');
    expect(saved.body.stratumPort !== 70000, 'an invalid port is never saved');
    await shot(page, 'bad-relay-and-port');

    step('wrong mnemonic word');
    await page.goto(`${new URL(serve.url).origin}/#/welcome`);
    await page.getByRole('button', { name: /Restore from backup/ }).click();
    await page.getByLabel('Recovery words').fill('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandn');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    message = await errorFor(page, 'Recovery words');
    expect(/Word 12 \("abandn"\)/.test(message), `wrong mnemonic word message, got "${message}"`);
    await page.getByLabel('Recovery words').fill('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    message = await errorFor(page, 'Recovery words');
    expect(/checksum/.test(message), `bad checksum message, got "${message}"`);
    await shot(page, 'wrong-mnemonic-word');

    step('still working');
    await page.getByRole('link', { name: 'Logs', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    const status = await serve.api_call('GET', '/status');
    expect(status.status === 200, 'the engine still answers');
  },
};
