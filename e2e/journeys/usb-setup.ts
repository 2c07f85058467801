/**
 * Journey 5: a stock Bitaxe on a USB cable, set up from the wizard. The simulated unit runs in this
 * process: its serial port is a socat pty whose far end is our ESP32-S3 ROM loader emulator, its
 * flash holds an NVS partition made by the real ESP-IDF engine (fixtures/nvs/device-sim.bin). USB
 * enumeration is the one thing mocked: `serve --usb-port` names the pty as a Bitaxe port. The unit
 * mined Stratum V2 straight to a hashpool; after the setup it boots from what was written, joins
 * "Wi-Fi", mines through Axewallet, and keeps the hashpool, untouched, as its fallback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatEntry, readNvs, buildNvs } from '../../device/provision/nvs';
import { startSimulator } from '../../device/sim/simulator';
import { fixturePath } from '../../test/fixtures';
import { expect, type Journey, requireServices, startServe, waitFor } from '../harness';

interface MiningJson {
  miners: Array<{ address: string; worker: string; accepted?: number }>;
  shares: { accepted: number };
}

/** What a USB setup may change; everything else in the partition must come back byte for byte. */
const MAY_CHANGE = /^(wifissid|wifipass|pool_\d|prim_idx|sec_idx|usefbstartum|(fb)?stratum(url|port|user|pass|prot)|(fb)?sv2.*)$/;
const FACTORY = ['boardversion', 'devicemodel', 'asicmodel', 'asicfrequency', 'asicvoltage', 'selftest'];

export const usbSetup: Journey = {
  name: 'journey-5-usb-setup',
  title: 'journey 5: a stock Bitaxe on USB gets Wi-Fi and Axewallet as its pool from the wizard, keeps its factory data, and mines through the proxy',
  async run({ openPage, shot, step, cleanup }) {
    step('a stock Bitaxe on a pty, its settings in flash');
    // its owner pointed it at a hashpool over Stratum V2 (suggested difficulty 0, so the CPU-speed simulator meets the proxy's target)
    const hashpool = {
      stratumProtocol: 'SV2',
      stratumURL: 'pool.hashpool.test',
      stratumPort: 34254,
      stratumSuggestedDifficulty: 0,
      stratumV2ChannelType: 'extended',
      stratumV2AuthorityPubkey: '9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72',
      stratumV2RequireAuth: true,
    };
    const entries = readNvs(new Uint8Array(readFileSync(fixturePath('nvs', 'device-sim.bin')))).map((e) =>
      e.key === 'pool_1' ? { ...e, value: JSON.stringify({ ...(JSON.parse(String(e.value)) as object), ...hashpool }) } : e,
    );
    // AxeOS answers on port 80, where Axewallet looks for the Bitaxe once it is on the network
    const sim = await startSimulator({ host: '127.0.0.7', httpPort: 80, usb: { nvs: buildNvs(entries) }, hashesPerSecond: 20_000, bootMs: 300 });
    cleanup(() => sim.stop());
    const original = sim.usb!.nvs();

    step('serve with the pty named as a Bitaxe port');
    const serve = await startServe({ name: 'journey-5', demo: true, extraArgs: ['--usb-port', sim.serial!] });
    cleanup(() => serve.dispose());
    await requireServices(serve, ['/mining', '/devices', '/usb/backups']);
    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.goto(`${new URL(serve.url).origin}/#/setup`);
    await page.getByRole('heading', { level: 1, name: 'Set up a Bitaxe' }).waitFor();

    step('the wizard finds it on USB: stock AxeOS');
    await page.getByRole('button', { name: 'Look for a Bitaxe on USB' }).click();
    const ports = page.getByRole('list', { name: 'Bitaxes on USB' });
    await ports.getByText('stock AxeOS', { exact: true }).waitFor({ timeout: 15_000 });
    await shot(page, 'usb-found');
    await ports.getByRole('button', { name: `Set up over USB: ${sim.serial}` }).click();

    step('Wi-Fi in, written over the cable, every step shown');
    await page.getByLabel('Wi-Fi name').fill('HomeNet');
    await page.getByLabel('Wi-Fi password').fill('correct horse');
    await shot(page, 'usb-form');
    await page.getByRole('button', { name: 'Write these settings to the Bitaxe' }).click();
    const steps = page.getByRole('list', { name: 'USB setup steps' });
    await steps.waitFor();
    await steps.getByText(/✓ Write the new settings/).waitFor({ timeout: 60_000 });
    await steps.getByText(/✓ Read them back and compare/).waitFor({ timeout: 30_000 });
    await shot(page, 'usb-written');
    await page.getByText(/Primary pool: /).waitFor({ timeout: 30_000 });
    const stratum = serve.stratum!;
    const pools = (await page.getByText(/Primary pool: /).textContent()) ?? '';
    expect(pools.includes(`127.0.0.1:${stratum.port}`) && pools.includes('pool.hashpool.test:34254 (Stratum V2)'), `the wizard shows Axewallet as primary and the hashpool as fallback: ${pools}`);
    const note = (await ports.getByRole('note').textContent()) ?? '';
    expect(/Stratum V2 straight to pool\.hashpool\.test.*none of it lands in a wallet you hold/.test(note), `the wizard explains why direct Sv2 mining earned no ehash: ${note}`);
    await shot(page, 'usb-pools');

    step('it boots from the new settings: Wi-Fi and pools changed, factory data byte for byte');
    await waitFor(() => sim.boots >= 1, 'the Bitaxe restarts into its firmware', 30_000);
    const after = sim.usb!.nvs();
    const before = new Map(readNvs(original).map((e) => [`${e.namespace}:${e.key}`, formatEntry(e)]));
    const now = new Map(readNvs(after).map((e) => [`${e.namespace}:${e.key}`, formatEntry(e)]));
    const changed = [...new Set([...before.keys(), ...now.keys()])].filter((k) => before.get(k) !== now.get(k));
    const unexpected = changed.filter((k) => !k.startsWith('main:') || !MAY_CHANGE.test(k.slice(5)));
    expect(unexpected.length === 0, `only Wi-Fi and pool keys changed, also changed: ${unexpected.join(', ')}`);
    for (const key of FACTORY) expect(before.get(`main:${key}`) === now.get(`main:${key}`), `factory key ${key} is unchanged`);
    expect(changed.includes('main:wifissid') && now.get('main:wifissid') === 'main:wifissid=str:HomeNet', 'the Wi-Fi name is written');
    expect(sim.usb!.board?.boardVersion === '601', 'the unit boots as the Gamma 601 it is');
    const info = (await (await fetch(`${sim.http}/api/system/info`)).json()) as { stratumURL: string; stratumPort: number; fallbackStratumURL: string };
    expect(info.stratumURL === '127.0.0.1' && info.stratumPort === stratum.port, `primary pool is Axewallet: ${info.stratumURL}:${info.stratumPort}`);
    expect(info.fallbackStratumURL === 'pool.hashpool.test', `the pool it had stays as fallback: ${info.fallbackStratumURL}`);
    expect(before.get('main:pool_1') === now.get('main:pool_1'), 'the hashpool slot is byte for byte as it was, Stratum V2 fields and all');
    const backups = await serve.api_call<{ backups: Array<{ id: string; state: string }> }>('GET', '/usb/backups');
    expect(backups.body.backups.length === 1 && backups.body.backups[0]!.state === 'written', 'a copy was saved before writing and marked written');
    const copy = readFileSync(join(serve.home, 'usb-backups', `${backups.body.backups[0]!.id}.bin`));
    expect(copy.equals(Buffer.from(original)), 'the saved copy is the partition as it was');

    step('it mines through Axewallet and the wizard goes on with it');
    const mining = async () => (await serve.api_call<MiningJson>('GET', '/mining')).body;
    await waitFor(async () => (await mining()).miners.some((m) => m.address.startsWith('127.0.0.7:')), 'the Bitaxe connects to the proxy', 60_000, 500);
    await page.getByRole('button', { name: 'Continue with this Bitaxe' }).click({ timeout: 60_000 });
    await shot(page, 'usb-adopted');
    await page.getByRole('button', { name: /already mines through Axewallet/ }).click();
    await page.getByText(/The Bitaxe connected to Axewallet/).waitFor();
    await waitFor(() => sim.stratum().sharesAccepted > 0, 'its shares are accepted through the proxy', 120_000, 1000);
    await page.getByText(/First share accepted/).waitFor({ timeout: 60_000 });
    await shot(page, 'usb-mining');
    const devices = await serve.api_call<{ devices: Array<{ mac: string; viaAxewallet: boolean }> }>('GET', '/devices');
    expect(
      devices.body.devices.some((d) => d.mac === sim.mac && d.viaAxewallet),
      'the Bitaxe is on the Devices list, mining through Axewallet',
    );
  },
};
