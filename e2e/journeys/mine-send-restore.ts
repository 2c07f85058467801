/**
 * Journey 1: fresh home -> create wallet -> the wizard finds a simulated Bitaxe -> point it at Axewallet -> shares ->
 * ehash -> send a token -> a second Axewallet receives it -> balances add up.
 * Journey 2: fresh home -> restore from nostr with journey 1's mnemonic -> same balance and history.
 */
import type { Page } from 'playwright-core';
import { Blocked, expect, type Journey, outputDir, requireServices, type ServeInstance, startServe, waitFor } from '../harness';
import { searchOnly } from './first-week';
import { balanceAt, balancesByKey, history, historyNet, PASSPHRASE, settledWallet, wallet } from './wallet-helpers';

interface Journey1Outcome {
  a: ServeInstance;
  mnemonic: string;
}
let journey1: Journey1Outcome | undefined;

async function createWalletInUi(page: Page): Promise<string> {
  await page.getByRole('button', { name: /Create a new wallet/ }).click();
  const passphrase = page.getByLabel('Passphrase to lock the wallet on this machine');
  if (await passphrase.count()) {
    await passphrase.fill(PASSPHRASE);
    await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  }
  await page.getByRole('button', { name: 'Create wallet', exact: true }).click();
  const list = page.getByRole('list', { name: 'Recovery words' });
  await list.waitFor({ timeout: 30_000 });
  const words = await list.getByRole('listitem').allTextContents();
  expect(words.length === 12 || words.length === 24, `12 or 24 recovery words are shown, got ${words.length}`);
  return words.map((w) => w.trim()).join(' ');
}

async function confirmWords(page: Page, mnemonic: string): Promise<void> {
  const words = mnemonic.split(' ');
  await page.getByRole('button', { name: 'I wrote them down' }).click();
  const fields = page.getByLabel(/^Word \d+$/);
  const count = await fields.count();
  expect(count >= 3, `a few words are asked back, got ${count}`);
  for (let i = 0; i < count; i++) {
    const field = fields.nth(i);
    const label = (await field.evaluate((el) => (el as { labels?: ArrayLike<{ textContent: string | null }> }).labels?.[0]?.textContent ?? '')) as string;
    const position = Number(/Word (\d+)/.exec(label)?.[1]);
    await field.fill(words[position - 1]!);
  }
  await page.getByRole('button', { name: 'Confirm and create the wallet' }).click();
}

export const mineSendReceive: Journey = {
  name: 'journey-1-mine-send-receive',
  title: 'journey 1: create wallet, wizard finds the simulated Bitaxe, shares, ehash, send, a second instance receives, balances add up',
  async run({ openPage, shot, step, cleanup, suiteCleanup }) {
    step('start serve --demo');
    const a = await startServe({ name: 'journey-1-a', demo: true });
    let handedOver = false;
    cleanup(() => (handedOver ? undefined : a.dispose()));
    await requireServices(a, ['/wallet', '/mining', '/devices']);

    step('open and create a wallet');
    const { page } = await openPage(a.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Create or restore a wallet' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
    await shot(page, 'welcome');
    const mnemonic = await createWalletInUi(page);
    await shot(page, 'recovery-words');
    await confirmWords(page, mnemonic);
    await page.getByRole('heading', { level: 1, name: 'Set up a Bitaxe' }).waitFor();
    expect((await wallet(a)).exists, 'the wallet exists after the first run');

    step('wizard finds the simulated Bitaxe');
    const known = page.getByRole('list', { name: 'Known devices' }).getByRole('button', { name: /^Choose / });
    const knownAppeared = await known
      .first()
      .waitFor({ timeout: 8000 })
      .then(() => true)
      .catch(() => false);
    if (knownAppeared) {
      await shot(page, 'wizard-known-device');
      await known.first().click();
    } else {
      // on the demo network the search field starts at the simulated Bitaxe (loopback); a test never scans a real LAN
      expect(/^127\.0\.0\.2:\d+$/.test(await page.getByLabel('Where to search').inputValue()), 'the demo search target is filled in');
      await page.getByRole('button', { name: 'Search the network for Bitaxes' }).click();
      await page.getByRole('list', { name: 'Found on the network' }).getByRole('button', { name: /^Use / }).first().waitFor({ timeout: 30_000 });
      await shot(page, 'wizard-found');
      await page.getByRole('list', { name: 'Found on the network' }).getByRole('button', { name: /^Use / }).first().click();
    }

    step('point it at Axewallet');
    const already = page.getByRole('button', { name: /already mines through Axewallet/ });
    if (await already.count()) await already.click();
    else await page.getByRole('button', { name: /^Point .* at Axewallet$/ }).click();
    await page.getByText(/✓ The Bitaxe connected to Axewallet/).waitFor({ timeout: 60_000 });
    await shot(page, 'wizard-connected');

    step('first share and first ehash');
    await page.getByText(/✓ First share accepted/).waitFor({ timeout: 120_000 });
    await shot(page, 'first-share');
    await page.getByText(/✓ First ehash arrived/).waitFor({ timeout: 120_000 });
    await shot(page, 'first-ehash');

    step('dashboard shows it live');
    await page.getByRole('button', { name: 'Go to the dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page
      .getByRole('list', { name: 'Live share, quote and proof events' })
      .getByText(/proof minted/)
      .first()
      .waitFor({ timeout: 120_000 });
    await page.getByRole('radio', { name: '1h' }).click();
    await page.waitForTimeout(3000);
    await shot(page, 'dashboard-live');
    // the README's picture (docs/screenshot-dashboard.png is copied from it by hand)
    await page.screenshot({ path: `${outputDir}/readme-dashboard.png`, clip: { x: 0, y: 0, width: 1280, height: 800 } });

    step('ehash balance rises');
    const first = balanceAt(await wallet(a));
    await waitFor(async () => balanceAt(await wallet(a)) > first, 'the balance keeps rising while the Bitaxe mines', 120_000, 1000);

    step('send a token');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await page.getByRole('table', { name: 'Balances' }).waitFor();
    // the balance also reads as expected work (the demo pool's minimum difficulty, learned from its quotes)
    await page
      .getByRole('table', { name: 'Balances' })
      .getByRole('cell', { name: /hashes/ })
      .first()
      .waitFor();
    const before = await wallet(a);
    const mint = before.balances[0]!.mint;
    const unit = before.balances[0]!.unit;
    const amount = balanceAt(before, mint, unit) / 2n > 0n ? balanceAt(before, mint, unit) / 2n : 1n;
    await page.getByLabel(/^Amount to send/).fill(amount.toString());
    await page.getByLabel('Memo (optional)').fill('e2e journey 1');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenField = page.getByLabel('Token to give the receiver');
    await tokenField.waitFor({ timeout: 60_000 });
    const token = await tokenField.inputValue();
    expect(token.startsWith('cashuB'), `a cashuB token is shown, got ${token.slice(0, 12)}`);
    await page.getByRole('img', { name: 'QR code of the token' }).waitFor();
    await shot(page, 'token-with-qr');

    step('a second Axewallet receives it');
    const b = await startServe({ name: 'journey-1-b', demo: true });
    cleanup(() => b.dispose());
    const created = await b.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE });
    expect(created.status === 200, `the second instance creates its wallet, got ${created.status}`);
    const other = await openPage(b.url);
    await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await other.page.getByLabel('Token to receive').fill(token);
    // the token's mint is the first instance's demo mint, which this wallet never used: it asks first
    await other.page.getByLabel('I know this mint and trust it').check();
    await other.page.getByRole('button', { name: 'Trust this mint and receive' }).click();
    await other.page
      .getByRole('status')
      .filter({ hasText: /^Received / })
      .waitFor({ timeout: 60_000 });
    await shot(other.page, 'second-instance-received');

    step('balances add up');
    const received = balanceAt(await wallet(b), mint, unit);
    expect(received === amount, `the receiver holds exactly what was sent: ${received} vs ${amount}`);
    const sends = await a.api_call<{ sends: Array<{ id: string; amount: number | string }> }>('GET', '/wallet/sends');
    expect(sends.status === 200, 'the sender lists its sends');
    // the sender keeps mining: check its books at one instant, history against balance
    await waitFor(
      async () => {
        const [state, entries] = [await wallet(a), await history(a)];
        const net = historyNet(entries);
        const books = balancesByKey(state);
        return [...books].every(([key, value]) => (net.get(key) ?? 0n) === value) && entries.some((e) => e.kind === 'send' && BigInt(e.amount) === amount);
      },
      "the sender's history adds up to its balance and shows the send",
      30_000,
      1000,
    );
    const sendsAfter = await b.api_call<{ entries: Array<{ kind: string; amount: number | string }> }>('GET', '/wallet/history?limit=100');
    expect(
      sendsAfter.body.entries.some((e) => e.kind === 'receive' && BigInt(e.amount) === amount),
      "the receiver's history shows the receive",
    );

    step('devices and backup pages show the live state');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).click();
    const card = page.getByRole('listitem').filter({ hasText: 'mining through Axewallet' }).first();
    await card.waitFor({ timeout: 30_000 });
    await card.getByText(/^Charts of /).click();
    await card.getByText(/^Logs of /).click();
    await page.waitForTimeout(1500);
    await shot(page, 'devices');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backup', exact: true }).click();
    await page.getByRole('table', { name: 'Backup relays' }).getByText('connected', { exact: true }).first().waitFor({ timeout: 30_000 });
    await shot(page, 'backup');

    step('stop mining and back up, for journey 2');
    const devices = await a.api_call<{ devices: Array<{ id: string; viaAxewallet: boolean }> }>('GET', '/devices');
    for (const d of devices.body.devices.filter((x) => x.viaAxewallet)) await a.api_call('POST', `/devices/${d.id}/undo-proxy`);
    await settledWallet(a);
    const backedUp = await a.api_call('POST', '/backup/now');
    if (backedUp.status === 200) {
      await waitFor(async () => (await a.api_call<{ pendingChanges: number }>('GET', '/backup')).body.pendingChanges === 0, 'the backup catches up', 60_000, 1000);
      journey1 = { a, mnemonic };
      handedOver = true;
      suiteCleanup(() => a.dispose());
    }
  },
};

export const restoreFromNostr: Journey = {
  name: 'journey-2-restore-from-nostr',
  title: "journey 2: fresh home, restore from nostr with journey 1's mnemonic, same balance and history",
  async run({ openPage, shot, step, cleanup }) {
    if (!journey1) throw new Blocked('journey 1 did not finish with a backup (it needs the wallet, devices and backup services)');
    const { a, mnemonic } = journey1;
    step('relay of journey 1');
    const backup = await a.api_call<{ relays: Array<{ url: string }> }>('GET', '/backup');
    const relay = backup.body.relays[0]?.url;
    expect(relay, 'journey 1 backed up to a relay');
    const expected = await settledWallet(a);
    const expectedHistory = historyNet(await history(a));

    step('fresh home');
    const c = await startServe({ name: 'journey-2', demo: true, extraArgs: ['--relay', relay] });
    cleanup(() => c.dispose());
    await requireServices(c, ['/wallet', '/backup']);
    const { page } = await openPage(c.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Create or restore a wallet' }).click();
    await page.getByRole('button', { name: /Restore from backup \(nostr\)/ }).click();
    await page.getByLabel('Recovery words').fill(mnemonic);
    const passphrase = page.getByLabel('Passphrase to lock the wallet on this machine');
    if (await passphrase.count()) {
      await passphrase.fill(PASSPHRASE);
      await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
    }
    // the form starts with this home's relays (here journey 1's, from --relay) and suggests public ones
    await searchOnly(page, [relay]);
    await shot(page, 'restore-form');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Restoring/ })
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    await shot(page, 'restore-progress');
    await page.getByText('Wallet restored.').waitFor({ timeout: 120_000 });
    await shot(page, 'restored');

    step('same balance and history');
    const restored = await settledWallet(c);
    for (const [key, value] of balancesByKey(expected)) {
      expect(balancesByKey(restored).get(key) === value, `balance ${key}: restored ${balancesByKey(restored).get(key)} vs ${value}`);
    }
    const restoredEntries = await history(c);
    expect(
      restoredEntries.length > 0,
      'the restored wallet has a history: backup.restore brought the proofs back but no history entry (the NIP-60 kind 7376 history events are not imported into wallet.history)',
    );
    const restoredHistory = historyNet(restoredEntries);
    for (const [key, value] of expectedHistory) {
      expect(restoredHistory.get(key) === value, `history net ${key}: restored ${restoredHistory.get(key)} vs ${value}`);
    }
    await page.getByRole('button', { name: 'Open the wallet' }).click();
    await page.getByRole('table', { name: 'Balances' }).waitFor();
    await page.getByRole('list', { name: 'Wallet history' }).waitFor();
    await shot(page, 'restored-wallet');
  },
};
