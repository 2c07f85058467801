/**
 * Issue 14, a home miner's first week (items 1-5): a second home restores the same words without damaging the
 * first, words are confirmed before a wallet exists, one relay list for Settings and the Backup page, the USB
 * look-up answers, and the Backup page says when income goes out and tests a relay before adding it.
 */
import type { Page } from 'playwright-core';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { expect, type Journey, type ServeInstance, startServe, waitFor } from '../harness';
import { PASSPHRASE, settledWallet, wallet } from './wallet-helpers';

interface BackupJson {
  relays: Array<{ url: string; lastError: string | null }>;
  pendingChanges: number;
  lastError: string | null;
}

const backupOf = async (serve: ServeInstance) => (await serve.api_call<BackupJson>('GET', '/backup')).body;

/** The demo network's simulated Bitaxe, pointed at this instance's proxy: ehash starts to arrive. */
async function mineOnDemo(serve: ServeInstance): Promise<string> {
  const status = (await serve.api_call<{ demoDevices?: string[] }>('GET', '/status')).body;
  const address = status.demoDevices?.[0];
  expect(address, 'the demo network runs a simulated Bitaxe');
  const added = await serve.api_call<{ device: { id: string } }>('POST', '/devices', { address });
  expect(added.status === 200, `the simulated Bitaxe is added, got ${added.status}`);
  const pointed = await serve.api_call('POST', `/devices/${added.body.device.id}/use-proxy`);
  expect(pointed.status === 200, `the simulated Bitaxe mines through Axewallet, got ${pointed.status}`);
  return added.body.device.id;
}

async function stopMining(serve: ServeInstance, deviceId: string): Promise<void> {
  await serve.api_call('POST', `/devices/${deviceId}/undo-proxy`);
}

const balanceAtMint = (state: Awaited<ReturnType<typeof wallet>>, mint: string) => state.balances.filter((b) => b.mint === mint).reduce((sum, b) => sum + BigInt(b.amount), 0n);

export async function fillPassphrase(page: Page): Promise<void> {
  await page.getByLabel('Passphrase to lock the wallet on this machine').fill(PASSPHRASE);
  await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
}

/** Ticks exactly these relays in the restore form (nothing else is asked: no public relay from a test). */
export async function searchOnly(page: Page, relays: string[]): Promise<void> {
  const list = page.getByRole('list', { name: 'Relays to search' });
  await list.waitFor();
  for (const item of await list.getByRole('checkbox').all()) await item.uncheck();
  for (const url of relays) {
    const box = list.getByRole('checkbox', { name: url });
    if ((await box.count()) === 0) {
      await page.getByLabel('Another relay').fill(url);
      await page.getByRole('button', { name: 'Add to the search' }).click();
    }
    await list.getByRole('checkbox', { name: url }).check();
  }
}

export const twoHomesRestore: Journey = {
  name: 'first-week-two-homes',
  title: 'issue 14 item 1: a second home restores the same words on its own demo network; both homes keep their full balance',
  async run({ openPage, shot, step, cleanup }) {
    step('home A mines and backs up to its relay');
    const a = await startServe({ name: 'two-homes-a', demo: true });
    cleanup(() => a.dispose());
    const { mnemonic } = (await a.api_call<{ mnemonic: string }>('POST', '/wallet/create', { passphrase: PASSPHRASE })).body;
    const miner = await mineOnDemo(a);
    await waitFor(async () => (await wallet(a)).balances.length > 0, 'ehash arrives at home A', 150_000, 1000);
    const backedUp = await a.api_call('POST', '/backup/now');
    expect(backedUp.status === 200, `home A backs up, got ${backedUp.status}`);
    const relayA = (await backupOf(a)).relays[0]!.url;
    const mintA = (await wallet(a)).balances[0]!.mint;

    step('home C, on a demo network of its own, searches only its own relay: nothing found, nothing created');
    const c = await startServe({ name: 'two-homes-c', demo: true });
    cleanup(() => c.dispose());
    const relayC = (await backupOf(c)).relays[0]!.url;
    const { page } = await openPage(`${c.url}#/welcome`);
    await page.getByRole('button', { name: /Restore from backup \(nostr\)/ }).click();
    await page.getByLabel('Recovery words').fill(mnemonic);
    await fillPassphrase(page);
    const searchList = page.getByRole('list', { name: 'Relays to search' });
    await searchList.waitFor();
    expect((await searchList.getByRole('checkbox', { name: relayC }).count()) === 1, 'the form lists the relay this home backs up to');
    expect((await searchList.getByRole('checkbox', { name: 'wss://relay.damus.io' }).count()) === 1, 'the form suggests well-known public relays after the own ones');
    await searchOnly(page, [relayC]);
    await shot(page, 'restore-form-own-relay');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByText('Nothing found: nothing was restored').waitFor({ timeout: 60_000 });
    await page.getByText(/add the relay your other machine backs up to/).waitFor();
    expect(!(await page.getByText('Wallet restored.').count()), 'finding nothing never says "Wallet restored"');
    expect(!(await wallet(c)).exists, 'finding nothing creates no wallet');
    await shot(page, 'restore-found-nothing');

    step('home C adds home A\u2019s relay to the search: restored');
    await searchOnly(page, [relayC, relayA]);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByText('Wallet restored.').waitFor({ timeout: 120_000 });
    await page.getByText(new RegExp(`${relayA.replace(/[./]/g, '\\$&')} now keeps your backup too`)).waitFor();
    await shot(page, 'restored-on-c');
    await waitFor(async () => balanceAtMint(await wallet(c), mintA) > 0n, 'home C holds home A\u2019s ehash', 60_000, 1000);
    const cRelays = (await backupOf(c)).relays.map((r) => r.url);
    expect(cRelays.includes(relayA) && cRelays.includes(relayC), `home C now backs up to both relays, got ${cRelays.join(', ')}`);

    step('a retry on C merges instead of failing');
    await page.goto(`${new URL(c.url).origin}/#/welcome`);
    await page.reload();
    await page.getByRole('button', { name: /Restore from backup \(nostr\)/ }).click();
    await page.getByLabel('Recovery words').fill(mnemonic);
    await page.getByLabel('Passphrase of the wallet on this machine').fill(PASSPHRASE);
    await searchOnly(page, [relayA]);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByText('Wallet restored.').waitFor({ timeout: 120_000 });

    step('home A keeps mining; both homes back up after each other');
    const atRestore = balanceAtMint(await wallet(c), mintA);
    await waitFor(async () => balanceAtMint(await wallet(a), mintA) > atRestore, 'home A earns more after the restore', 150_000, 1000);
    await stopMining(a, miner);
    const settledA = await settledWallet(a);
    for (const home of [c, a, c]) {
      const answer = await home.api_call('POST', '/backup/now');
      expect(answer.status === 200, `backup now answers 200, got ${answer.status} ${JSON.stringify(answer.body)}`);
    }

    step('both homes keep their full balance; a third home restores all of it from A\u2019s relay');
    expect(balanceAtMint(await wallet(a), mintA) === balanceAtMint(settledA, mintA), 'home A lost nothing');
    await waitFor(async () => balanceAtMint(await wallet(c), mintA) === balanceAtMint(settledA, mintA), 'home C converged on the same balance', 60_000, 1000);
    const statusA = await backupOf(a);
    expect(statusA.lastError === null && statusA.relays.every((r) => r.lastError === null), `home A's relay status is clean, got ${JSON.stringify(statusA)}`);
    const d = await startServe({ name: 'two-homes-d', demo: true });
    cleanup(() => d.dispose());
    const restored = await d.api_call<{ events: number; proofsAdded: number }>('POST', '/backup/restore', { mnemonic, passphrase: PASSPHRASE, relays: [relayA] });
    expect(restored.status === 200 && restored.body.proofsAdded > 0, `home D restores from A's relay, got ${restored.status} ${JSON.stringify(restored.body)}`);
    await waitFor(async () => balanceAtMint(await wallet(d), mintA) === balanceAtMint(settledA, mintA), 'home D holds home A\u2019s whole balance', 60_000, 1000);
  },
};

export const wordsConfirmed: Journey = {
  name: 'first-week-words',
  title: 'issue 14 item 2: a reload on the words screen leaves no wallet; Create a new wallet then works',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve');
    const serve = await startServe({ name: 'first-week-words' });
    cleanup(() => serve.dispose());
    const { page } = await openPage(`${serve.url}#/welcome`);
    page.on('dialog', (dialog) => void dialog.accept());

    step('words shown, then a reload');
    await page.getByRole('button', { name: /Create a new wallet/ }).click();
    await fillPassphrase(page);
    await page.getByRole('button', { name: 'Create wallet', exact: true }).click();
    const list = page.getByRole('list', { name: 'Recovery words' });
    await list.waitFor();
    const firstWords = (await list.getByRole('listitem').allTextContents()).map((w) => w.trim()).join(' ');
    await shot(page, 'words-before-reload');
    expect(!(await wallet(serve)).exists, 'no wallet exists while its words are only on screen');
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(!(await wallet(serve)).exists, 'a reload on the words screen leaves no wallet behind');

    step('Create a new wallet works, with new words, once they are confirmed');
    await page.goto(`${new URL(serve.url).origin}/#/welcome`);
    await page.getByRole('button', { name: /Create a new wallet/ }).click();
    await fillPassphrase(page);
    await page.getByRole('button', { name: 'Create wallet', exact: true }).click();
    await list.waitFor();
    const words = (await list.getByRole('listitem').allTextContents()).map((w) => w.trim());
    expect(words.join(' ') !== firstWords, 'new words, not the ones shown before the reload');
    await page.getByRole('button', { name: 'I wrote them down' }).click();
    const fields = page.getByLabel(/^Word \d+$/);
    for (let i = 0; i < (await fields.count()); i++) {
      const field = fields.nth(i);
      const label = await page.locator(`label[for="${await field.getAttribute('id')}"]`).textContent();
      await field.fill(words[Number(/Word (\d+)/.exec(label ?? '')![1]) - 1]!);
    }
    expect(!(await wallet(serve)).exists, 'still no wallet before the words are confirmed');
    await page.getByRole('button', { name: 'Confirm and create the wallet' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up a Bitaxe' }).waitFor();
    const created = await wallet(serve);
    expect(created.exists && !created.locked, 'the wallet exists once its words are confirmed');
    await shot(page, 'created-after-confirming');
  },
};

export const oneRelayList: Journey = {
  name: 'first-week-settings',
  title: 'issue 14 items 3 and 5: one relay list, saving the theme keeps the relays, unsaved edits ask first, relays tested before adding, backup schedule explained',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve and a second relay');
    const serve = await startServe({ name: 'first-week-settings', demo: true });
    cleanup(() => serve.dispose());
    await serve.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE });
    const extra: RunningRelay = await startRelay();
    cleanup(() => extra.close());
    const closed: RunningRelay = await startRelay();
    await closed.close();
    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    step('the Backup page says when income goes out and why');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backup', exact: true }).click();
    await page.getByText(/income \(mined ehash\) every 4 h/).waitFor();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByText('Everything is backed up.').waitFor({ timeout: 60_000 });

    step('a relay that does not answer is named in plain words, not added');
    await page.getByLabel('Relay address').fill(closed.url);
    await page.getByRole('button', { name: 'Test and add relay' }).click();
    await page.getByText(/Nothing answers at 127\.0\.0\.1:\d+\. The relay is down/).waitFor({ timeout: 30_000 });
    expect(!(await page.getByText(/ECONNREFUSED|getaddrinfo/).count()), 'no raw socket errors');
    await page.getByRole('button', { name: 'Add anyway' }).waitFor();
    expect(!(await backupOf(serve)).relays.some((r) => r.url === closed.url), 'a relay that failed its test is not added');
    await shot(page, 'relay-test-failed');

    step('a working relay is tested and added on the Backup page');
    await page.getByLabel('Relay address').fill(extra.url);
    await page.getByRole('button', { name: 'Test and add relay' }).click();
    await page.getByRole('table', { name: 'Backup relays' }).getByText(extra.url).waitFor({ timeout: 30_000 });

    step('Settings shows the same relay; saving the theme keeps it');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('list', { name: 'Saved backup relays' }).getByText(extra.url).waitFor();
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved at/).waitFor();
    const saved = (await serve.api_call<{ relays: string[]; theme: string }>('GET', '/settings')).body;
    expect(saved.theme === 'dark' && saved.relays.includes(extra.url), `saving the theme keeps the relays, got ${JSON.stringify(saved)}`);
    await page.reload();
    await page.getByRole('list', { name: 'Saved backup relays' }).getByText(extra.url).waitFor();
    expect(
      (await backupOf(serve)).relays.some((r) => r.url === extra.url),
      'the backup still uses the relay',
    );
    await shot(page, 'settings-relays-kept');

    step('unsaved changes ask before leaving');
    await page.getByLabel('Theme').selectOption('light');
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await waitFor(() => asked.length > 0, 'leaving with unsaved changes asks first', 10_000, 100);
    expect(/not saved/.test(asked[0]!), `the question names the unsaved changes, got "${asked[0]}"`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect((await page.getByLabel('Theme').inputValue()) === 'light', 'staying keeps the edit');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Wallet' }).waitFor();
    expect((await serve.api_call<{ theme: string }>('GET', '/settings')).body.theme === 'dark', 'leaving without saving changed nothing');
  },
};

export const usbLookup: Journey = {
  name: 'first-week-usb',
  title: 'issue 14 item 4: "Look for a Bitaxe on USB" answers',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve');
    const serve = await startServe({ name: 'first-week-usb' });
    cleanup(() => serve.dispose());
    const { page } = await openPage(`${serve.url}#/setup`);
    await page.getByRole('heading', { level: 1, name: 'Set up a Bitaxe' }).waitFor();

    step('look on USB');
    await page.getByRole('button', { name: 'Look for a Bitaxe on USB' }).click();
    // this machine has no Bitaxe plugged in (and USB enumeration cannot exist here): the answer says so
    await page.getByText(/No Bitaxe on USB\. Plug it in/).waitFor({ timeout: 30_000 });
    expect(!(await page.getByText(/MAC address|Correct the highlighted value/).count()), 'the look-up reaches the USB command, not the device-by-id one');
    await shot(page, 'usb-answer');
    const api = await serve.api_call<{ ports: unknown[] }>('GET', '/usb/ports');
    expect(api.status === 200 && Array.isArray(api.body.ports), `GET /usb/ports (devices.usb) answers the USB look-up, got ${api.status}`);
  },
};
