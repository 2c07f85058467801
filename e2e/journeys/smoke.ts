/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** Open the token URL, reach every page by its navigation link and by keyboard, screenshot each. */
import { expect, type Journey, startServe, waitFor } from '../harness';

const pages = ['Dashboard', 'Devices', 'Wallet', 'Backup', 'Settings', 'Integrations', 'Logs'];

/** Runs in the page: controls a screen reader would announce without a name (no label, no text, no aria-label). */
function unlabelledControls(): string[] {
  const named = (el: HTMLElement): boolean => {
    if (el.getAttribute('aria-label')?.trim()) return true;
    const labelledBy = el.getAttribute('aria-labelledby');
    if (labelledBy && labelledBy.split(' ').some((id) => document.getElementById(id)?.textContent?.trim())) return true;
    if ((el as HTMLInputElement).labels?.length) return true;
    if (el.closest('label')) return true;
    if ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent?.trim()) return true;
    return !!el.getAttribute('title')?.trim();
  };
  return [...document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, [role="button"], [role="radio"], [tabindex]:not([tabindex="-1"])')]
    .filter((el) => !named(el) && !(el.tagName === 'PRE' || el.getAttribute('role') === 'img'))
    .map((el) => el.outerHTML.slice(0, 120));
}

export const smoke: Journey = {
  name: 'smoke',
  title: 'open the token URL, navigate every page, screenshot each',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve');
    const serve = await startServe({ name: 'smoke' });
    cleanup(() => serve.dispose());

    step('open the token URL');
    const { page, context, problems } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(!page.url().includes('token='), `the token must leave the address bar, got ${page.url()}`);
    await page.getByText('connected', { exact: false }).first().waitFor();

    const status = await serve.api_call<{ demo: boolean }>('GET', '/status');
    if (status.body.demo) {
      step('demo label');
      expect(await page.getByText('Demo network', { exact: true }).first().isVisible(), 'a fresh home runs the demo network and must say so');

      // The demo badge and banner come with the engine's status, after the first paint. The badge before the links
      // pushed them ~135 px right, so a click aimed at Wallet just after the page showed could land on Dashboard (a CI
      // run did); the banner pushed the page's content down the same way.
      step('nothing moves under the pointer when the status arrives');
      const held = await context.newPage();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await held.route(
        (url) => url.pathname === '/api/v1/status',
        async (route) => {
          await released;
          await route.continue();
        },
      );
      await held.goto(`${new URL(serve.url).origin}/#/dashboard`);
      const walletLink = held.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true });
      await walletLink.waitFor();
      const before = await walletLink.boundingBox();
      await held.getByRole('status').filter({ hasText: 'Connecting to Axewallet' }).waitFor();
      const early = await held.getByRole('heading', { level: 1 }).count();
      expect(early === 0, `no page content before the engine has answered, got ${early} page heading(s)`);
      // an engine that takes its time is named, with what to do if it stays that way
      await held.getByRole('status').filter({ hasText: 'check that Axewallet is running, then reload' }).waitFor();
      release();
      await held.getByText('Demo network', { exact: true }).first().waitFor();
      await held.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const after = await walletLink.boundingBox();
      expect(before && after && before.x === after.x && before.y === after.y, `the Wallet link must not move when the status arrives: ${JSON.stringify(before)} then ${JSON.stringify(after)}`);
      await held.close();
    }

    for (const name of pages) {
      step(`navigate to ${name}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
      const current = await page.getByRole('link', { name, exact: true }).getAttribute('aria-current');
      expect(current === 'page', `the ${name} link must be marked as the current page`);
      await page.waitForTimeout(300);
      await shot(page, name);
      const unlabelled = await page.evaluate(unlabelledControls);
      expect(unlabelled.length === 0, `every control on ${name} has a name: unlabelled ${JSON.stringify(unlabelled)}`);
    }

    step('keyboard reaches the navigation');
    await page.goto(`${new URL(serve.url).origin}/#/dashboard`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(focused.includes('Skip to content') && focused.includes('Dashboard') && focused.includes('Devices'), `Tab must walk the skip link and navigation, got ${JSON.stringify(focused)}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1 }).waitFor();

    step('reload keeps the session without the token in the URL');
    await page.goto(`${new URL(serve.url).origin}/#/logs`);
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    await waitFor(async () => (await page.getByRole('table', { name: 'Log records' }).getByRole('row').count()) > 1, 'the log shows the engine records');

    step('theme');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await waitFor(async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'the dark theme applies after saving');
    await shot(page, 'settings-dark');
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.waitForTimeout(500);
    await shot(page, 'dashboard-dark');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Theme').selectOption('system');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Saved at/).waitFor();

    step('no token, no access');
    const other = await context.browser()!.newContext();
    const stranger = await other.newPage();
    const response = await stranger.goto(`${new URL(serve.url).origin}/`);
    expect(response?.status() === 200, `the UI's files are public, got ${response?.status()}`);
    await stranger.getByText('This page was opened without its access token.').waitFor();
    await shot(stranger, 'no-token');
    await other.close();

    step('the engine goes away');
    await serve.stop();
    await page.getByText('Axewallet is not answering.').first().waitFor({ timeout: 15_000 });
    await page
      .getByLabel('Status')
      .getByText(/Axewallet\s+offline/)
      .waitFor();
    await shot(page, 'engine-gone');

    const csp = problems.filter((p) => /Content Security Policy|page error/i.test(p) && !/ERR_CONNECTION_REFUSED/.test(p));
    expect(csp.length === 0, `no CSP violations or page errors: ${csp.join(' | ')}`);
  },
};
