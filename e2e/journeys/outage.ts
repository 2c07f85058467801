/**
 * Journey 3: upstream outage. Two devnets as the failover list, a hashpool (Sv2) first and a plain Stratum V1 pool as the
 * fallback, as a home miner would set it up; the primary's process is frozen (SIGSTOP: it keeps
 * its sockets open and says nothing, the hung-pool case ESP-Miner handles worst), the UI shows the failover; it is
 * thawed (SIGCONT), the proxy returns to it, mining resumes, and every paid quote ends as ehash.
 */
import { Blocked, expect, type Journey, requireServices, type SimReady, startCli, startDevnet, startServe, waitFor } from '../harness';
import { PASSPHRASE, settledWallet, wallet } from './wallet-helpers';

interface MiningJson {
  shares: { accepted: number };
  miners: Array<{ difficulty: number | null }>;
  upstream: { state: string; failover: boolean; activeIndex: number | null; url: string | null };
}

/** a verdict per share instead of hashpool's batches of 10: the journey watches a CPU-speed miner */
const FAST_VERDICTS = ['--share-batch-size', '1'];

export const upstreamOutage: Journey = {
  name: 'journey-3-upstream-outage',
  title: 'journey 3: the pool stops, the UI shows the failover, it returns, mining resumes, no ehash lost',
  async run({ openPage, shot, step, cleanup }) {
    step('two devnets');
    const primary = await startDevnet('journey-3-devnet-primary', FAST_VERDICTS);
    cleanup(() => primary.dispose());
    const secondary = await startDevnet('journey-3-devnet-secondary', FAST_VERDICTS);
    cleanup(() => secondary.dispose());
    const sv2 = (d: typeof primary) => `stratum2+tcp://${d.ready.pool.sv2}/${d.ready.pool.authorityPubkey}`;

    step('serve with the failover list');
    const serve = await startServe({
      name: 'journey-3',
      // a frozen pool keeps its TCP connections open and says nothing: notice it in seconds, not minutes
      settings: { silentUpstreamSeconds: 10 },
      // the simulator hashes on the CPU: the proxy announces its real rate, so the pool's first target fits it
      extraArgs: ['--upstream', sv2(primary), '--upstream', `stratum+tcp://${secondary.ready.pool.sv1}`, '--mint', primary.ready.mint, '--relay', primary.ready.relay, '--miner-hashrate', '20000'],
    });
    cleanup(() => serve.dispose());
    await requireServices(serve, ['/wallet', '/mining']);
    if (!serve.stratum) throw new Blocked('serve prints no "stratum" in its ready line, so no miner can be pointed at it');
    const created = await serve.api_call('POST', '/wallet/create', { passphrase: PASSPHRASE });
    expect(created.status === 200, `wallet created, got ${created.status}`);

    step('a simulated Bitaxe mines through Axewallet');
    const sim = await startCli<SimReady>('journey-3-sim', [
      'sim',
      '--host',
      '127.0.0.3',
      '--pool',
      `127.0.0.1:${serve.stratum.port}`,
      '--suggested-difficulty',
      '0',
      '--hashes-per-second',
      '20000',
      '--no-serial',
    ]);
    cleanup(() => sim.stop());
    const mining = async () => (await serve.api_call<MiningJson>('GET', '/mining')).body;
    const miner = await waitFor(async () => (await mining()).miners.find((m) => m.difficulty !== null), 'the simulated Bitaxe connects to the proxy and gets a difficulty', 60_000, 500);
    expect((miner.difficulty ?? 1) < 1, `the proxy gives the CPU-speed simulator a CPU-sized difficulty, got ${miner.difficulty}`);
    await waitFor(async () => (await mining()).shares.accepted > 0, 'shares are accepted through the primary', 120_000, 1000);
    await waitFor(async () => (await wallet(serve)).balances.length > 0, 'ehash arrives', 120_000, 1000);

    const { page } = await openPage(serve.url);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page
      .getByRole('list', { name: 'Failover order' })
      .getByText(/· in use/)
      .first()
      .waitFor();
    await shot(page, 'mining-on-primary');

    step('the pool stops');
    primary.signal('SIGSTOP');
    await page
      .getByText(/on failover/)
      .first()
      .waitFor({ timeout: 150_000 });
    const during = await mining();
    expect(during.upstream.failover && during.upstream.activeIndex === 1, `the proxy moved to the secondary: ${JSON.stringify(during.upstream)}`);
    await shot(page, 'failover');
    const acceptedOnFailover = during.shares.accepted;
    await waitFor(async () => (await mining()).shares.accepted > acceptedOnFailover, 'mining goes on through the secondary', 120_000, 1000);

    step('it returns');
    primary.signal('SIGCONT');
    await waitFor(
      async () => {
        const now = await mining();
        return !now.upstream.failover && now.upstream.activeIndex === 0;
      },
      'the proxy returns to the primary',
      180_000,
      1000,
    );
    await page
      .getByText(/on failover/)
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 });
    const back = (await mining()).shares.accepted;
    await waitFor(async () => (await mining()).shares.accepted > back, 'mining resumes on the primary', 120_000, 1000);
    await shot(page, 'back-on-primary');

    step('no ehash lost');
    await settledWallet(serve, 120_000);
    const paid = await serve.api_call<{ quotes: unknown[] }>('GET', '/wallet/quotes?state=paid&limit=5000');
    expect(paid.status === 200 && paid.body.quotes.length === 0, `every paid quote was minted, ${paid.body.quotes?.length} left`);
    const issued = await serve.api_call<{ quotes: Array<{ mint: string; unit: string | null; amount: number | string | null }> }>('GET', '/wallet/quotes?state=issued&limit=5000');
    const state = await wallet(serve);
    for (const balance of state.balances) {
      const minted = issued.body.quotes.filter((q) => q.mint === balance.mint && q.unit === balance.unit).reduce((sum, q) => sum + BigInt(q.amount ?? 0), 0n);
      expect(minted === BigInt(balance.amount), `balance at ${balance.mint} (${balance.unit}) equals its issued quotes: ${balance.amount} vs ${minted}`);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet', exact: true }).click();
    await page.getByRole('table', { name: 'Balances' }).waitFor();
    await shot(page, 'wallet-after-outage');
  },
};
