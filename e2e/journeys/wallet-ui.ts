/**
 * Issue #14 items 6-10 and #15's unknown-mint confirmation, as a new user meets them in Chromium:
 * - send/receive: a long token animates as UR parts that a decoder here reassembles from the pixels on screen;
 *   k/M amounts and Max; the exact balance on focus; a token from an unknown mint asks first (and the API refuses
 *   it with the mint's URL); the claimed token leaves the screen; reclaim asks first; history grouped by day with
 *   one row per send;
 * - the earned chart plots earned ehash from the wallet, survives a reload and a restart;
 * - devices and wizard: Back and a preview of what is written, confirmations and feedback, both hashrates
 *   explained, state names that match reality, the demo banner, glossary tooltips.
 */
import jsQR from 'jsqr';
import type { Page } from 'playwright-core';
import { bytesOf, UrDecoder } from '../../renderer/src/ur/ur';
import { Blocked, expect, type Journey, requireServices, type ServeInstance, startServe, waitFor } from '../harness';
import { balanceAt, PASSPHRASE, wallet } from './wallet-helpers';

interface DeviceJson {
  id: string;
  viaAxewallet: boolean;
}

/** A demo instance with a wallet and its simulated Bitaxe mining through it (set up through the API: not what these journeys test). */
async function miningDemo(name: string): Promise<ServeInstance> {
  const serve = await startServe({ name, demo: true });
  await requireServices(serve, ['/wallet', '/mining', '/devices']);
  const created = await serve.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE });
  expect(created.status === 200, `${name}: wallet created, got ${created.status}`);
  const status = await serve.api_call<{ demoDevices?: string[] }>('GET', '/status');
  const address = status.body.demoDevices?.[0];
  if (!address) throw new Blocked('serve --demo names no simulated Bitaxe (status.demoDevices)');
  const added = await serve.api_call<{ device: DeviceJson }>('POST', '/devices', { address });
  expect(added.status === 200, `${name}: demo Bitaxe added, got ${added.status}`);
  const pointed = await serve.api_call('POST', `/devices/${added.body.device.id}/use-proxy`);
  expect(pointed.status === 200, `${name}: demo Bitaxe pointed at Axewallet, got ${pointed.status}`);
  return serve;
}

/** The largest 2^n - 1 not above the balance: one proof per bit, so the token is long. */
function manyProofAmount(balance: bigint): bigint {
  let amount = 1n;
  while (amount * 2n + 1n <= balance) amount = amount * 2n + 1n;
  return amount;
}

/**
 * Reads the QR code on screen the way a phone camera would read the pixels: each new frame of the image is drawn
 * into a canvas, its pixels go through jsQR, and the UR parts through a fountain decoder until the token is whole.
 */
async function readAnimatedQr(page: Page, imageName: string, timeoutMs = 90_000): Promise<{ text: string; frames: number; kinds: Set<string> }> {
  const decoder = new UrDecoder();
  const seen = new Set<string>();
  const kinds = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  const image = page.getByRole('img', { name: imageName });
  while (!decoder.done && Date.now() < deadline) {
    const src = await image.getAttribute('src');
    if (!src || seen.has(src)) {
      await page.waitForTimeout(40);
      continue;
    }
    seen.add(src);
    // the frame's pixels as one grey byte each (a QR code is black on white): a quarter of the RGBA to move
    const frame = await image.evaluate((img: HTMLImageElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(img, 0, 0);
      const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const grey = new Uint8Array(rgba.length / 4);
      for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4]!;
      let binary = '';
      for (let i = 0; i < grey.length; i += 0x8000) binary += String.fromCharCode(...grey.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, grey: btoa(binary), kind: img.dataset.qrKind ?? '' };
    });
    kinds.add(frame.kind);
    const grey = Buffer.from(frame.grey, 'base64');
    const rgba = new Uint8ClampedArray(grey.length * 4);
    for (let i = 0; i < grey.length; i++) rgba.fill(grey[i]!, i * 4, i * 4 + 3).fill(255, i * 4 + 3, i * 4 + 4);
    const code = jsQR(rgba, frame.width, frame.height);
    expect(code, 'every frame on screen is a readable QR code');
    if (!code.data.toLowerCase().startsWith('ur:')) return { text: code.data, frames: seen.size, kinds };
    decoder.receive(code.data);
  }
  expect(decoder.done && !decoder.error, `the animated QR code was read completely within ${timeoutMs / 1000} s (${Math.round(decoder.progress * 100)}%, ${decoder.error ?? 'no error'})`);
  return { text: new TextDecoder().decode(bytesOf(decoder.result!)), frames: seen.size, kinds };
}

let sender: { serve: ServeInstance; sent: bigint } | undefined;

export const walletSendReceive: Journey = {
  name: 'wallet-send-receive',
  title: 'wallet: long token as animated UR QR read back by a decoder, k/M and Max, exact balance, unknown mint asks first, claimed token leaves, reclaim asks, grouped history',
  async run({ openPage, shot, step, cleanup, suiteCleanup }) {
    step('two demo instances, each with its own mint');
    const a = await miningDemo('wallet-a');
    let handedOver = false;
    cleanup(() => (handedOver ? undefined : a.dispose()));
    const b = await startServe({ name: 'wallet-b', demo: true });
    cleanup(() => b.dispose());
    expect((await b.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE })).status === 200, 'the receiver creates its wallet');

    step('ehash arrives');
    await waitFor(async () => balanceAt(await wallet(a)) >= 4095n, 'the sender holds at least 4095 hash', 180_000, 1000);

    step('exact balance on focus');
    const { page } = await openPage(a.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    const balances = page.getByRole('table', { name: 'Balances' });
    await balances.waitFor();
    const shown = balances.locator('.amount').first();
    await shown.focus();
    const exactText = (await shown.locator('.amount-exact').innerText()).trim();
    expect(/^[\d,]+ hash$/.test(exactText) && (await shown.locator('.amount-exact').isVisible()), `the exact balance shows on focus, got "${exactText}"`);
    await shot(page, 'exact-balance-on-focus');
    await balances
      .getByRole('cell', { name: /hashes/ })
      .first()
      .waitFor();

    step('amounts as the UI shows them: k/M and Max');
    const amountField = page.getByLabel(/^Amount to send/);
    await amountField.fill('1.5k');
    await page.getByText('= 1,500 hash').waitFor();
    await page.getByRole('button', { name: /^Send all:/ }).click();
    const state = await wallet(a);
    const held = balanceAt(state, state.balances[0]!.mint, state.balances[0]!.unit);
    const maxValue = BigInt(await amountField.inputValue());
    expect(maxValue > 0n && maxValue <= held + 10_000_000n, `Max fills the whole balance, got ${maxValue} for ${held}`);

    step('a long token animates as UR parts');
    const amount = manyProofAmount(balanceAt(await wallet(a), state.balances[0]!.mint, state.balances[0]!.unit));
    await amountField.fill(amount.toString());
    await page.getByLabel('Memo (optional)').fill('animated');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenField = page.getByLabel('Token to give the receiver');
    await tokenField.waitFor({ timeout: 60_000 });
    const token = await tokenField.inputValue();
    expect(token.startsWith('cashuB') && token.length > 500, `a token too long for one comfortable QR code (${token.length} characters)`);
    await page.getByRole('img', { name: 'QR code of the token' }).waitFor();
    await shot(page, 'animated-qr');
    const read = await readAnimatedQr(page, 'QR code of the token');
    expect(read.kinds.has('ur') && read.frames > 1, `the QR code animates (${read.frames} frames, kinds ${[...read.kinds].join(',')})`);
    expect(read.text === token, 'the decoder reassembles exactly the token from the frames on screen');

    step('the receiver sees what the token holds, and is asked about the unknown mint');
    const other = await openPage(b.url);
    await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await other.page.getByLabel('Token to receive').fill(token);
    const preview = other.page.getByLabel('What this token holds');
    await preview.getByText('You have never used this mint.').waitFor({ timeout: 15_000 });
    expect((await preview.innerText()).includes(state.balances[0]!.mint), 'the preview names the mint');
    expect((await preview.innerText()).includes('animated'), 'the preview shows the memo');
    const receiveButton = other.page.getByRole('button', { name: 'Trust this mint and receive' });
    expect(await receiveButton.isDisabled(), 'receiving waits for the confirmation');
    await shot(other.page, 'unknown-mint-asks-first');
    const refused = await b.api_call<{ error: { code: string; details?: Record<string, string> } }>('POST', '/wallet/receive', { token });
    expect(
      refused.status === 409 && refused.body.error.details?.mint === state.balances[0]!.mint,
      `the API refuses an unconfirmed mint with its URL, got ${refused.status} ${JSON.stringify(refused.body)}`,
    );
    expect(balanceAt(await wallet(b)) === 0n, 'nothing was received before the confirmation');
    await other.page.getByLabel('I know this mint and trust it').check();
    await receiveButton.click();
    await other.page
      .getByRole('status')
      .filter({ hasText: /^Received / })
      .waitFor({ timeout: 60_000 });
    expect(balanceAt(await wallet(b)) === amount, 'the receiver holds the amount once confirmed');

    step('the claimed token leaves the sender’s screen');
    await page.getByText(/The receiver claimed the token/).waitFor({ timeout: 120_000 });
    expect((await page.getByLabel('Token to give the receiver').count()) === 0, 'the claimed token is no longer on screen');
    expect((await page.getByRole('img', { name: 'QR code of the token' }).count()) === 0, 'its QR code is gone too');
    await shot(page, 'claimed-token-gone');

    step('reclaim asks first');
    await amountField.fill('1k');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByLabel('Token to give the receiver').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Done: hide the token' }).click();
    const pendingList = page.getByRole('list', { name: 'Pending sends' });
    await pendingList.getByRole('button', { name: /^Reclaim 1k/ }).click();
    await pendingList.getByRole('group', { name: /^Take back 1,000 hash\?/ }).waitFor();
    await pendingList.getByRole('button', { name: 'Cancel' }).click();
    expect((await a.api_call<{ sends: unknown[] }>('GET', '/wallet/sends')).body.sends.length === 1, 'Cancel reclaims nothing');
    await pendingList.getByRole('button', { name: /^Reclaim 1k/ }).click();
    await pendingList.getByRole('button', { name: 'Take it back' }).click();
    await page.getByText('Took back 1,000 hash; the token no longer works.').waitFor({ timeout: 60_000 });

    step('history grouped by day: one row per send, one per day of mining');
    const history = page.getByRole('list', { name: 'Wallet history' });
    await history.getByText(/claimed by the receiver/).waitFor({ timeout: 30_000 });
    await history.getByText(/taken back/).waitFor({ timeout: 30_000 });
    const today = history.getByRole('listitem', { name: 'History today' });
    const rows = await today.locator('li').allInnerTexts();
    const sendRows = rows.filter((r) => r.startsWith('Sent'));
    expect(sendRows.length === 2, `one row per send (2 sends), got ${JSON.stringify(sendRows)}`);
    const minedRows = rows.filter((r) => r.startsWith('Mined today'));
    expect(minedRows.length === 1 && / from [\d,]+ shares?/.test(minedRows[0]!), `one "Mined today … from N shares" row, got ${JSON.stringify(minedRows)}`);
    const rawRows = (await a.api_call<{ entries: unknown[] }>('GET', '/wallet/history?limit=1000')).body.entries.length;
    expect(rawRows > rows.length, `the grouped history is shorter than the raw one (${rows.length} vs ${rawRows})`);
    await shot(page, 'grouped-history');

    sender = { serve: a, sent: amount };
    handedOver = true;
    suiteCleanup(() => a.dispose());
  },
};

/** "ehash earned in the last 1h (hash): 3.1M hash earned in the last 1h" -> 3100000 */
async function earnedFigure(page: Page): Promise<number> {
  const label = await page.getByRole('img', { name: /^ehash earned in the last 1h/ }).getAttribute('aria-label');
  const match = /: ([\d.]+)([kMGTPE]?) \S+ earned in the last 1h$/.exec(label ?? '');
  expect(match, `the earned chart says what was earned, got "${label}"`);
  return Number(match[1]) * 10 ** (3 * ' kMGTPE'.indexOf(match[2] || ' '));
}

export const earnedChart: Journey = {
  name: 'earned-chart-survives-reload',
  title: 'dashboard: the earned chart plots ehash earned from the wallet (a send is no loss), survives a reload and a restart',
  async run({ openPage, shot, step, cleanup }) {
    let { serve: a, sent } = sender ?? { serve: undefined, sent: 0n };
    if (!a) {
      // run on its own: mine, then give most of it away through the API
      step('mine and send (on its own)');
      const own = await miningDemo('earned-alone');
      cleanup(() => own.dispose());
      await waitFor(async () => balanceAt(await wallet(own)) >= 4095n, 'ehash arrives', 180_000, 1000);
      sent = manyProofAmount(balanceAt(await wallet(own)));
      const send = await own.api_call('POST', '/wallet/send', { amount: Number(sent) });
      expect(send.status === 200, `the send went through, got ${send.status}`);
      a = own;
    }
    step('earned, not balance');
    const { page } = await openPage(a.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const before = await waitFor(async () => (await earnedFigure(page)) || undefined, 'the earned chart shows what was earned', 30_000);
    // earned counts everything minted, the tokens given away included (3 significant digits on screen)
    expect(before >= Number(sent) * 0.99, `the chart counts what was sent away as earned (${before} vs ${sent} sent)`);
    await waitFor(
      async () => (await earnedFigure(page)) > Number(balanceAt(await wallet(a))),
      'after most of it was sent away, earned stays above the balance (the chart is not the balance)',
      30_000,
      1000,
    );
    await shot(page, 'earned-chart');

    step('a reload keeps the history');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const afterReload = await waitFor(async () => (await earnedFigure(page)) || undefined, 'the earned chart is back after the reload', 30_000);
    expect(afterReload >= before, `a reload does not reset the earned chart (${afterReload} vs ${before})`);
    await page.getByRole('radio', { name: '7d' }).click();
    await page.getByRole('img', { name: /^ehash earned in the last 7d/ }).waitFor();
    await page.getByRole('radio', { name: '1h' }).click();

    step('a restart keeps it too');
    await a.stop();
    const again = await startServe({ name: 'wallet-a-again', demo: true, home: a.home });
    try {
      const unlocked = await again.api_call('POST', '/wallet/unlock', { passphrase: PASSPHRASE });
      expect(unlocked.status === 200, `unlock after the restart, got ${unlocked.status}`);
      const reopened = await openPage(again.url);
      await reopened.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const afterRestart = await waitFor(async () => (await earnedFigure(reopened.page)) || undefined, 'the earned chart is back after the restart', 30_000);
      expect(afterRestart >= before, `the earned history survives a restart (${afterRestart} vs ${before})`);
      await shot(reopened.page, 'earned-after-restart');
    } finally {
      await again.stop();
    }
  },
};

export const devicesAndWizard: Journey = {
  name: 'devices-wizard-status',
  title: 'wizard Back and preview, device actions ask first and say what happened, both hashrates explained, honest state names, demo banner, glossary',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve --demo');
    const serve = await startServe({ name: 'devices-ui', demo: true });
    cleanup(() => serve.dispose());
    await requireServices(serve, ['/wallet', '/mining', '/devices']);
    expect((await serve.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE })).status === 200, 'wallet created');
    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    step('the demo banner says how to leave the demo');
    const banner = await page
      .getByRole('note')
      .filter({ hasText: /test values with no worth/ })
      .innerText();
    expect(/without --demo/.test(banner) && /Settings/.test(banner), `the banner says how to switch to a real pool, got "${banner}"`);

    step('wizard: preview, Back');
    await page.getByRole('button', { name: 'Set up a Bitaxe' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up a Bitaxe' }).waitFor();
    await page.getByRole('button', { name: 'Search the network for Bitaxes' }).click();
    const found = page.getByRole('list', { name: 'Found on the network' }).getByRole('button', { name: /^Use / }).first();
    await found.waitFor({ timeout: 30_000 });
    await found.click();
    const preview = page.getByRole('table', { name: 'Pool settings Axewallet will write' });
    await preview.waitFor();
    const status = await serve.api_call<{ stratum: { port: number } }>('GET', '/status');
    const previewText = await preview.innerText();
    expect(previewText.includes(`:${status.body.stratum.port}`) && /Fallback pool/.test(previewText), `the preview shows the proxy port and the fallback, got "${previewText}"`);
    await shot(page, 'wizard-preview');
    await page.getByRole('button', { name: /^Back to “Find your Bitaxe”/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Find your Bitaxe' }).waitFor();
    await page
      .getByRole('list', { name: 'Known devices' })
      .getByRole('button', { name: /^Choose / })
      .first()
      .click();
    await page.getByRole('button', { name: /^Point .* at Axewallet$/ }).click();
    await page.getByText(/✓ The Bitaxe connected to Axewallet/).waitFor({ timeout: 90_000 });

    step('the glossary explains the words');
    await page.getByRole('button', { name: 'Go to the dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Waiting for the pool' }).hover();
    const tip = page.getByRole('tooltip').filter({ hasText: /answer \(accepted or rejected\)/ });
    expect(await tip.isVisible(), 'hovering a term shows what it means');
    expect((await page.getByText('Awaiting verdict').count()) === 0, 'no unexplained jargon on the dashboard');

    step('both hashrates, explained');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).click();
    const card = page.getByRole('listitem').filter({ hasText: 'mining through Axewallet' }).first();
    await card.getByText(/measured by Axewallet/).waitFor({ timeout: 60_000 });
    await card.getByText(/reported by the device/).waitFor();
    await card.getByText(/Why two hashrates\?/).waitFor({ timeout: 60_000 });
    await shot(page, 'two-hashrates');

    step('device actions ask first and say what happened');
    await card.getByRole('button', { name: /^Identify: / }).click();
    await card.getByText(/shows "Hi!" on its screen/).waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: /^Restart: / }).click();
    await card.getByRole('group', { name: /^Restart .*\? It stops hashing/ }).waitFor();
    await shot(page, 'restart-asks-first');
    await card.getByRole('button', { name: 'Restart now' }).click();
    await card.getByText(/is restarting; it reconnects in about a minute/).waitFor({ timeout: 60_000 });

    step('after the restart the dashboard explains the low hashrate');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page
      .getByText(/not connected right now|\(re\)connected \d+ s ago/)
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, 'reconnect-explained');

    step('forget asks first');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).click();
    const device = page
      .getByRole('listitem')
      .filter({ hasText: /mining through Axewallet|on its fallback pool|mining on its own pool/ })
      .first();
    await device.getByRole('button', { name: /^Forget: / }).click();
    await device.getByRole('button', { name: 'Cancel' }).click();
    expect((await serve.api_call<{ devices: unknown[] }>('GET', '/devices')).body.devices.length === 1, 'Cancel forgets nothing');
    await device.getByRole('button', { name: /^Forget: / }).click();
    await device.getByRole('button', { name: 'Forget it' }).click();
    await page.getByText(/was forgotten, with its history/).waitFor({ timeout: 30_000 });

    step('one pool configured but down reads as unreachable, not "none configured"');
    const down = await startServe({ name: 'pool-down', extraArgs: ['--upstream', 'stratum+tcp://127.0.0.1:9'] });
    cleanup(() => down.dispose());
    const other = await openPage(down.url);
    const statusBar = other.page.getByLabel('Status');
    await statusBar.getByText(/pool unreachable/).waitFor({ timeout: 30_000 });
    expect(!(await statusBar.innerText()).includes('none configured'), 'the status bar does not claim no pool is configured');
    await shot(other.page, 'pool-down-state');
  },
};
