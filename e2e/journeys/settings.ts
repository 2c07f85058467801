/**
 * Settings the API has and the form shows: a pool's own mint and the stable API token. Saved, shown again after a
 * reload and after a restart; the token switch takes effect at the next start, both ways.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, type Journey, type ServeInstance, startServe } from '../harness';

interface SavedSettings {
  upstreams: Array<{ url: string; mintUrl?: string }>;
  stableApiToken: boolean;
}

/** nothing listens on port 1 of loopback; the pool is saved, never dialled (the demo network runs instead) */
const POOL = 'stratum+tcp://127.0.0.1:1';
const POOL_MINT = 'http://127.0.0.1:3338';

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
}

export const settingsSaved: Journey = {
  name: 'settings-saved',
  title: "a pool's own mint and the stable API token: saved, shown after a reload, the token switch applied at the next start",
  async run({ openPage, shot, step, cleanup }) {
    const home = mkdtempSync(join(tmpdir(), 'axewallet-e2e-settings-'));
    cleanup(() => rmSync(home, { recursive: true, force: true }));
    writeFileSync(join(home, 'settings.json'), `${JSON.stringify({ stratumHost: '127.0.0.1' })}\n`);
    const start = async (): Promise<ServeInstance> => {
      const serve = await startServe({ name: 'settings-saved', home, demo: true });
      cleanup(() => serve.stop());
      return serve;
    };

    step('start serve');
    let serve = await start();
    let { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await openSettings(page);

    step("a pool's mint is checked before it is saved");
    await page.getByLabel('Add upstream', { exact: true }).fill(POOL);
    await page.getByRole('button', { name: 'Add upstream', exact: true }).click();
    const mint = page.getByLabel('Mint of upstream 1', { exact: true });
    await mint.fill('mint.example');
    expect((await mint.getAttribute('aria-invalid')) === 'true', 'a mint address without https:// is marked invalid');
    await page.getByText(/A mint address starts with https:\/\//).waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    expect((await serve.api_call<SavedSettings>('GET', '/settings')).body.upstreams.length === 0, 'nothing is saved while a field is invalid');

    step('save the mint and the token switch');
    await mint.fill(POOL_MINT);
    const keepToken = page.getByLabel('Keep the same API token when Axewallet restarts');
    expect(!(await keepToken.isChecked()), 'the token is new at every start by default');
    await page.getByText(/Takes effect the next time Axewallet starts/).waitFor();
    await keepToken.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved at/).waitFor();
    const saved = (await serve.api_call<SavedSettings>('GET', '/settings')).body;
    expect(saved.upstreams[0]?.url === POOL && saved.upstreams[0]?.mintUrl === POOL_MINT, `the pool is saved with its mint, got ${JSON.stringify(saved.upstreams)}`);
    expect(saved.stableApiToken, 'the token switch is saved');
    await shot(page, 'settings-pool-mint-and-token');

    step('a reload shows what was saved');
    await page.reload();
    await openSettings(page);
    expect((await page.getByLabel('Mint of upstream 1', { exact: true }).inputValue()) === POOL_MINT, "the pool's mint is shown after a reload");
    expect(await page.getByLabel('Keep the same API token when Axewallet restarts').isChecked(), 'the token switch is shown on after a reload');

    step('the next start keeps the token');
    const firstToken = serve.token;
    await serve.stop();
    serve = await start();
    expect(serve.token === firstToken, 'with the switch on, the API token survives the restart');
    ({ page } = await openPage(serve.url));
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await openSettings(page);
    expect((await page.getByLabel('Mint of upstream 1', { exact: true }).inputValue()) === POOL_MINT, "the pool's mint is still there after the restart");

    step('switched off, the next start makes a new token');
    await page.getByLabel('Keep the same API token when Axewallet restarts').uncheck();
    await page.getByLabel('Mint of upstream 1', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved at/).waitFor();
    const cleared = (await serve.api_call<SavedSettings>('GET', '/settings')).body;
    expect(cleared.upstreams[0]?.mintUrl === undefined && !cleared.stableApiToken, `an emptied mint field removes the pool's own mint, got ${JSON.stringify(cleared)}`);
    const secondToken = serve.token;
    await serve.stop();
    serve = await start();
    expect(serve.token !== secondToken, 'with the switch off, the API token is new at the next start');
  },
};
