/**
 * Integrations from the UI: a real MQTT broker (mosquitto on a loopback port) and a local webhook receiver are set
 * up on the Integrations page; "Send a test" reaches both and the page says "Test sent". The broker's subscriber
 * sees the test event; the receiver sees a call signed with the secret the page showed once.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'mqtt';
import { startMosquitto } from '../../core/mqtt/testing/mosquitto';
import { verifySignature } from '../../core/webhooks/sign';
import { expect, type Journey, startServe, waitFor } from '../harness';

export const integrations: Journey = {
  name: 'journey-integrations',
  title: 'set up MQTT and a webhook on the Integrations page, send a test to each, see "Test sent"',
  async run({ openPage, shot, step, cleanup }) {
    step('a broker and a webhook receiver on loopback');
    const broker = await startMosquitto({ users: { axewallet: 'mqtt-pass-5e2', watcher: 'watch' } });
    cleanup(() => broker.close());
    const watcher = connect(broker.url, { username: 'watcher', password: 'watch', reconnectPeriod: 500 });
    cleanup(() => watcher.endAsync(true));
    const events: Array<{ topic: string; payload: string }> = [];
    watcher.on('message', (topic, payload) => events.push({ topic, payload: payload.toString() }));
    await new Promise<void>((resolve) => watcher.once('connect', () => resolve()));
    await watcher.subscribeAsync('axewallet/#');

    const calls: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    cleanup(() => new Promise((r) => receiver.close(() => r())));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/axewallet`;

    step('serve and open Integrations');
    const serve = await startServe({ name: 'journey-integrations', demo: true });
    cleanup(() => serve.dispose());
    const { page, problems } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
    await page
      .getByText(/\/health/)
      .first()
      .waitFor();
    await shot(page, 'integrations-empty');

    step('MQTT');
    const mqtt = page.getByRole('form', { name: 'MQTT settings' });
    await mqtt.getByLabel('Publish to an MQTT broker').check();
    await mqtt.getByLabel('Broker address').fill(broker.url);
    await mqtt.getByLabel('User name').fill('axewallet');
    await mqtt.getByLabel('Password').fill('mqtt-pass-5e2');
    await mqtt.getByRole('button', { name: 'Save MQTT settings' }).click();
    await page.getByText(/^Connected/).waitFor({ timeout: 20_000 });
    await mqtt.getByRole('button', { name: 'Send a test to MQTT' }).click();
    await page.getByText(/Test sent to axewallet\/[0-9a-f]{8}\/events/).waitFor({ timeout: 15_000 });
    await waitFor(() => events.some((e) => e.topic.endsWith('/events') && JSON.parse(e.payload).event_type === 'test'), 'the broker delivered the test event', 10_000);
    expect((await mqtt.getByLabel('Password').inputValue()) === '', 'the password field is emptied after saving');
    expect(!JSON.stringify(await serve.api_call('GET', '/integrations')).includes('mqtt-pass-5e2'), 'the MQTT password is never read back');
    await shot(page, 'mqtt-test-sent');

    step('a webhook');
    const add = page.getByRole('form', { name: 'Add a webhook' });
    await add.getByLabel('Name').fill('Home server');
    await add.getByLabel('Address').fill(hookUrl);
    await add.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByRole('status').filter({ hasText: 'Webhook "Home server" added.' }).locator('.mono').textContent())?.trim() ?? '';
    expect(/^[0-9a-f]{64}$/.test(secret), `the signing secret is shown once after adding, got "${secret}"`);
    const row = page.getByRole('listitem', { name: 'Webhook Home server' });
    await row.getByText('http://127.0.0.1').first().waitFor();
    expect(!(await row.textContent())?.includes('/hooks/axewallet'), 'the address path (often the key) is not shown back');
    await row.getByRole('button', { name: 'Send a test to Home server' }).click();
    await row.getByText('Test sent: the receiver answered 204.').waitFor({ timeout: 15_000 });
    const call = await waitFor(() => calls.find((c) => JSON.parse(c.body).type === 'test'), 'the receiver got the test');
    expect(verifySignature(secret, call.body, call.headers['x-axewallet-signature'] as string), 'the test is signed with the secret the page showed');
    await shot(page, 'webhook-test-sent');

    const errors = problems.filter((p) => /Content Security Policy|page error/i.test(p));
    expect(errors.length === 0, `no CSP violations or page errors: ${errors.join(' | ')}`);
  },
};
