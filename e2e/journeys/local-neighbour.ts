/// <reference lib="dom" />
/**
 * Another web service on this machine (any local dev server, a router admin tool, a toy someone runs)
 * opened in the same browser as Axewallet must not receive its credential: cookies are not scoped by
 * port, so a token cookie would reach it with every request. The token lives in Axewallet's own origin
 * storage instead, so a new tab of Axewallet keeps access while the neighbour gets nothing.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Journey, startServe, waitFor } from '../harness';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A plain local web app that records every request it gets. */
async function startNeighbour(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Another local app</title><h1>Another local app</h1><img src="/pixel.png" alt="">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const localNeighbour: Journey = {
  name: 'local-neighbour',
  title: 'another local web service opened in the same browser receives no Axewallet credential; a new Axewallet tab keeps access',
  async run({ openPage, shot, step, cleanup }) {
    step('start serve and a neighbouring local web app');
    const serve = await startServe({ name: 'neighbour' });
    cleanup(() => serve.dispose());
    const neighbour = await startNeighbour();
    cleanup(() => neighbour.close());

    step('open the token URL');
    const { page, context } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByText('connected', { exact: false }).first().waitFor();
    expect(!page.url().includes('token='), `the token must leave the address bar, got ${page.url()}`);
    const stored = await page.evaluate(() => Object.values({ ...localStorage }).join(' '));
    expect(stored.includes(serve.token), "the token is kept in Axewallet's own origin storage");

    step('a new tab without the token URL keeps access');
    const origin = new URL(serve.url).origin;
    const tab = await context.newPage();
    await tab.goto(`${origin}/#/logs`);
    await tab.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    await waitFor(async () => (await tab.getByRole('table', { name: 'Log records' }).getByRole('row').count()) > 1, 'the new tab reads the log through the API');
    await shot(tab, 'new-tab');

    step('open the other local app in the same browser');
    const other = await context.newPage();
    await other.goto(`${neighbour.url}/`);
    await other.getByRole('heading', { name: 'Another local app' }).waitFor();
    await waitFor(() => neighbour.seen.some((s) => s.url === '/pixel.png'), 'the neighbour page loaded its image too');
    await other.reload();
    await shot(other, 'neighbour');

    step('the neighbour received no credential');
    expect(neighbour.seen.length >= 3, `the neighbour saw its requests, got ${neighbour.seen.length}`);
    for (const request of neighbour.seen) {
      const text = JSON.stringify(request);
      expect(!text.includes(serve.token), `a request to the other app carried the Axewallet token: ${request.url} ${JSON.stringify(request.headers)}`);
      expect(request.headers.cookie === undefined, `a request to the other app carried cookies: ${request.headers.cookie}`);
      expect(request.headers.authorization === undefined, 'a request to the other app carried an Authorization header');
    }
    const visible = await other.evaluate(() => JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(!visible.includes(serve.token), `the other app's page can read the token: ${visible}`);
    const cookies = await context.cookies();
    expect(cookies.length === 0, `no cookies at all for Axewallet, got ${cookies.map((c) => `${c.name}@${c.domain}`).join(', ')}`);

    step("the neighbour's page cannot use the Axewallet API");
    const answer = await other.evaluate(async (api) => {
      try {
        const response = await fetch(`${api}/wallet`, { credentials: 'include' });
        return `status ${response.status}`;
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    }, serve.api);
    expect(!answer.startsWith('status 200'), `a page of another local app read the wallet: ${answer}`);
  },
};
