/** Journey 4: bad inputs each get a clear message next to their field, and nothing breaks. */
import type { Page } from 'playwright-core';
import { expect, type Journey, requireServices, startDevnet, startServe } from '../harness';
import { PASSPHRASE } from './wallet-helpers';

async function errorFor(page: Page, label: string | RegExp): Promise<string> {
  const field = page.getByLabel(label, { exact: typeof label === 'string' });
  // a field is described by its hint and its error: the error is the one that announces itself (role alert)
  const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
  const error = page.locator(
    describedBy
      .split(' ')
      .filter(Boolean)
      .map((id) => `[id="${id}"][role="alert"]`)
      .join(', ') || '[data-none]',
  );
  expect((await error.count()) === 1, `the field "${label}" must point to its error message, describedby "${describedBy}"`);
  expect((await field.getAttribute('aria-invalid')) === 'true', `the field "${label}" must be marked invalid`);
  return (await error.textContent()) ?? '';
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
    expect(
      refused.status === 400 && refused.body.error.field === 'upstreams.0.url',
      `PUT /settings with a bad upstream must be 400 naming the field, got ${refused.status} ${JSON.stringify(refused.body)}`,
    );

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
    // Settings still holds the invalid edits: leaving asks first, and the journey agrees to drop them
    page.once('dialog', (dialog) => void dialog.accept());
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

/** Base58 with one character changed: the same shape, the wrong key (its checksum no longer matches). */
function corruptKey(key: string): string {
  const last = key.at(-1)!;
  return `${key.slice(0, -1)}${last === '2' ? '3' : '2'}`;
}

export const badInputsBackend: Journey = {
  name: 'bad-inputs-backend',
  title: 'journey 4 (engine): invalid token, unreachable device address, wrong authority key of a real pool',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve --demo');
    const serve = await startServe({ name: 'bad-inputs-backend', demo: true });
    cleanup(() => serve.dispose());
    await requireServices(serve, ['/wallet', '/devices', '/mining']);
    const created = await serve.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE });
    expect(created.status === 200, `wallet created, got ${created.status}`);
    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    step('invalid token');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await page.getByLabel('Token to receive').fill('cashuBnot-a-token-at-all');
    await page.getByRole('button', { name: 'Receive', exact: true }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor({ timeout: 30_000 });
    let message = await errorFor(page, 'Token to receive');
    expect(message.length > 10, `the invalid token gets a message next to the field, got "${message}"`);
    await shot(page, 'invalid-token');

    step('unreachable device address');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).click();
    // a closed port on loopback: refused at once, nothing leaves this machine
    await page.getByLabel('Device address').fill('127.0.0.1:9');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('button', { name: 'Add device' }).waitFor();
    await page.locator('#main [aria-invalid="true"]').first().waitFor({ timeout: 30_000 });
    message = await errorFor(page, 'Device address');
    expect(message.length > 10, `the unreachable address gets a message next to the field, got "${message}"`);
    await page.getByLabel('Device address').fill('http://bitaxe.local/some/path');
    await page.getByRole('button', { name: 'Add device' }).click();
    message = await errorFor(page, 'Device address');
    expect(/without a path/.test(message), `an address with a path is named, got "${message}"`);
    await shot(page, 'unreachable-device');

    step('wrong authority key of a real pool');
    // a real pool on loopback, and an Axewallet told its address with one character of the key changed
    const devnet = await startDevnet('bad-inputs-devnet');
    cleanup(() => devnet.dispose());
    const wrong = `stratum2+tcp://${devnet.ready.pool.sv2}/${corruptKey(devnet.ready.pool.authorityPubkey)}`;
    const misled = await startServe({ name: 'bad-inputs-wrong-key', extraArgs: ['--upstream', wrong] });
    cleanup(() => misled.dispose());
    const other = await openPage(misled.url);
    await other.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const failover = other.page.getByRole('list', { name: 'Failover order' });
    await failover
      .getByText(/key|authority|handshake|certificate|signature/i)
      .first()
      .waitFor({ timeout: 60_000 });
    const upstream = (await misled.api_call<{ upstream: { connected: boolean } }>('GET', '/mining')).body.upstream;
    expect(!upstream.connected, 'a pool whose key does not match is never used');
    await shot(other.page, 'wrong-authority-key');

    step('still working');
    const status = await serve.api_call('GET', '/status');
    expect(status.status === 200, 'the engine still answers');
  },
};
