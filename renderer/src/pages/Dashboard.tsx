import { useId, useMemo, useState } from 'react';
import { Amount } from '../components/Amount';
import { shortUrl, upstreamStateName, upstreamStateWords } from '../upstream-words';
import { Chart } from '../components/Chart';
import { ErrorNotice } from '../components/ErrorNotice';
import { Term } from '../components/Term';
import { GroupedDevices } from '../components/GroupedDevices';
import { formatAgo, formatHashrate, formatMs, formatSi } from '../format';
import { compareHashrates, reconnecting, typicalHashrate, warmingUp } from '../hashrate';
import { totalBalance, totalHashrate, useApp } from '../store';
import { mergeHistory, streamLines, toChartData } from '../pipeline';
import { inWindow, type WindowName, windows } from '../series';
import { useCommand } from '../useCommand';
import { workExplanation, yourMiners } from '../work';

/** A farm's dashboard lists the first miners; the rest on request (every row costs layout on each 1 Hz update). */
const MINERS_SHOWN = 25;

/** One figure at a glance; a dash until it is known. */
function Card({ label, name, value, children }: { label: React.ReactNode; name: string; value: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="card">
      <span className="card-label">{label}</span>
      <span className="card-value" aria-label={typeof value === 'string' || typeof value === 'number' ? name : undefined}>
        {value ?? '—'}
      </span>
      {children}
    </div>
  );
}

type Earnings = NonNullable<ReturnType<typeof useCommand<'wallet.earnings'>>['data']>;

/** Running total of ehash earned over the range, one step per bucket: it only ever rises (a send is not income lost). */
function earnedChartData(earnings: Earnings | undefined): { data: [number[], number[]]; unit: string; total: number | string } {
  const unit = earnings?.series[0]?.unit;
  if (!earnings || unit === undefined) return { data: [[], []], unit: 'hash', total: 0 };
  // the same unit earned at several mints (a mint that moved, a second pool) adds up: each unit is the same work
  const same = earnings.series.filter((s) => s.unit === unit);
  const t: number[] = [earnings.from / 1000];
  const v: number[] = [0];
  let sum = 0;
  for (let i = 0; i < same[0]!.buckets.length; i++) {
    for (const s of same) sum += Number(s.buckets[i] ?? 0);
    t.push((earnings.from + (i + 1) * earnings.bucketMs) / 1000);
    v.push(sum);
  }
  return { data: [t, v], unit, total: sum };
}

export function DashboardPage() {
  const mining = useApp((s) => s.mining);
  const miningError = useApp((s) => s.miningError);
  const wallet = useApp((s) => s.wallet);
  const hashrate = useApp((s) => s.hashrate);
  const events = useApp((s) => s.events);
  const demo = useApp((s) => s.status?.demo ?? false);
  const navigate = useApp((s) => s.navigate);
  const [span, setSpan] = useState<WindowName>('1h');
  const [allMiners, setAllMiners] = useState(false);
  const id = useId();
  const walletEvents = useApp((s) => s.events.filter((e) => e.type === 'wallet.balance').length);
  const deviceEvents = useApp((s) => s.events.filter((e) => e.type === 'device.state' || e.type === 'device.removed').length);
  const earnings = useCommand('wallet.earnings', { range: span }, 30_000, walletEvents);
  const devices = useCommand('devices.list', {}, 10_000, deviceEvents).data?.devices ?? [];

  const hashData = useMemo(() => toChartData(inWindow(mergeHistory(mining?.hashrateHistory, hashrate), span)), [mining?.hashrateHistory, hashrate, span]);
  const earned = useMemo(() => earnedChartData(earnings.data), [earnings.data]);
  const stream = useMemo(() => streamLines(events), [events]);
  const unit = wallet?.balances[0]?.unit ?? earned.unit;
  const measured = totalHashrate(mining);
  const comparison = compareHashrates(measured, devices, demo);
  const warming = mining ? warmingUp(mining.miners) : [];
  const away = mining ? reconnecting(devices, mining.miners) : [];
  // the work behind the whole balance, when every part of it says what it stands for
  const balances = wallet?.balances ?? [];
  const work = balances.length > 0 && balances.every((b) => b.expectedWork !== undefined) ? balances.reduce((sum, b) => sum + Number(b.expectedWork), 0) : undefined;

  return (
    <div className="stack">
      {wallet && !wallet.exists && (
        <div className="notice" role="note">
          <strong>No wallet yet.</strong> Create or restore one so your shares turn into ehash.{' '}
          <button type="button" onClick={() => navigate('welcome')}>
            Create or restore a wallet
          </button>
        </div>
      )}
      {mining && mining.miners.length === 0 && away.length === 0 && (
        <div className="notice" role="note">
          <strong>No Bitaxe is mining through Axewallet yet.</strong>{' '}
          <button type="button" onClick={() => navigate('setup')}>
            Set up a Bitaxe
          </button>
        </div>
      )}
      {away.length > 0 && (
        <div className="notice notice-warn" role="status">
          <strong>{away.join(', ')} not connected right now.</strong> A Bitaxe that restarts reconnects within about a minute; its hashrate here counts again from its first shares after that. If it
          stays away, check the Devices page.
        </div>
      )}
      {miningError && <ErrorNotice error={miningError} title="Mining state" />}

      <section aria-labelledby={`${id}-totals`} className="cards">
        <h2 id={`${id}-totals`} className="visually-hidden">
          Totals
        </h2>
        <Card
          label={<Term term="hashrate">Hashrate, measured</Term>}
          name="Total hashrate"
          value={mining && (warming.length > 0 && warming.length === mining.miners.length && measured === 0 ? 'measuring…' : formatHashrate(measured))}
        >
          {comparison.reported > 0 && <span className="hint">devices report {formatHashrate(comparison.reported)}</span>}
          {warming.length > 0 && (
            <span className="hint" role="status">
              {warming.map((w) => w.worker).join(', ')} (re)connected {warming[0]!.seconds} s ago: the rate is measured from its shares and climbs for about a minute.
            </span>
          )}
        </Card>
        <Card label={<Term term="share">Shares accepted</Term>} name="Shares accepted" value={mining?.shares.accepted} />
        <Card label="Shares rejected" name="Shares rejected" value={mining?.shares.rejected} />
        <Card label={<Term term="waiting">Waiting for the pool</Term>} name="Shares waiting for the pool" value={mining?.shares.awaiting} />
        <Card label={<Term term="ehash">ehash balance</Term>} name="ehash balance" value={wallet?.exists ? <Amount value={totalBalance(wallet)} unit={unit} /> : undefined}>
          {work !== undefined && <span className="hint">{workExplanation(work, typicalHashrate(mining), yourMiners(devices, mining?.miners.length ?? 0))}</span>}
        </Card>
      </section>
      {comparison.explanation && (
        <p className="explain" role="note">
          Why two hashrates? {comparison.explanation}
        </p>
      )}

      <section aria-labelledby={`${id}-charts`} className="stack">
        <div className="row">
          <h2 id={`${id}-charts`}>Hashrate and ehash earned</h2>
          <div role="radiogroup" aria-label="Chart range" className="segmented">
            {(Object.keys(windows) as WindowName[]).map((w) => (
              <button key={w} type="button" role="radio" aria-checked={span === w} onClick={() => setSpan(w)}>
                {w}
              </button>
            ))}
          </div>
        </div>
        <div className="grid2">
          <Chart
            label="Hashrate measured from accepted shares"
            summary={mining ? formatHashrate(measured) : 'no data yet'}
            data={hashData}
            series={[{ label: 'hashrate', stroke: '#e8731a' }]}
            formatValue={(v) => `${formatSi(v)}H/s`}
            spanSeconds={windows[span]}
          />
          {earnings.error ? (
            <ErrorNotice error={earnings.error} title="ehash earned" />
          ) : (
            <Chart
              label={`ehash earned in the last ${span} (${earned.unit})`}
              summary={`${formatSi(earned.total)} ${earned.unit} earned in the last ${span}`}
              data={earned.data}
              series={[{ label: earned.unit, stroke: '#3c8dde' }]}
              formatValue={(v) => formatSi(v)}
              spanSeconds={windows[span]}
              stepped
            />
          )}
        </div>
        <p className="hint">Earned: ehash minted from your shares, kept by the wallet across restarts. Sends and receives do not count here; the balance is on the Wallet page.</p>
      </section>

      <div className="grid2">
        <section aria-labelledby={`${id}-upstream`}>
          <h2 id={`${id}-upstream`}>Upstream</h2>
          {mining ? (
            <>
              <dl className="facts">
                <dt>In use</dt>
                <dd className="mono">{mining.upstream.url ? shortUrl(mining.upstream.url) : 'none'}</dd>
                <dt>State</dt>
                <dd
                  className={
                    mining.upstream.state === 'up'
                      ? 'good'
                      : mining.upstream.state === 'down' || mining.upstream.state === 'silent' || (mining.upstream.state === 'none' && mining.upstream.upstreams.length > 0)
                        ? 'bad'
                        : ''
                  }
                >
                  {upstreamStateName(mining.upstream)}
                  {mining.upstream.failover ? ' — on failover' : ''}
                </dd>
                <dt>Pool latency</dt>
                <dd>{formatMs(mining.upstream.latencyMs)}</dd>
                <dt>Switches</dt>
                <dd>{mining.upstream.switches}</dd>
                {mining.upstream.lastError && (mining.upstream.state !== 'up' || mining.upstream.failover) && (
                  <>
                    <dt>Last error of the first pool</dt>
                    <dd>{mining.upstream.lastError}</dd>
                  </>
                )}
              </dl>
              {mining.upstream.upstreams.length > 0 && (
                <ol className="list" aria-label="Failover order">
                  {mining.upstream.upstreams.map((u, i) => (
                    <li key={u.url}>
                      {i + 1}. <span className="mono">{shortUrl(u.url)}</span> ({u.protocol}) — {upstreamStateWords[u.state]}
                      {i === mining.upstream.activeIndex ? ' · in use' : ''}
                      {u.lastError ? <span className="muted"> · {u.lastError}</span> : null}
                    </li>
                  ))}
                </ol>
              )}
            </>
          ) : (
            <p className="muted">Waiting for the mining state.</p>
          )}
        </section>
        <section aria-labelledby={`${id}-reasons`}>
          <h2 id={`${id}-reasons`}>Reject reasons</h2>
          {mining && Object.keys(mining.shares.rejectReasons).length > 0 ? (
            <table aria-label="Reject reasons">
              <tbody>
                {Object.entries(mining.shares.rejectReasons).map(([reason, count]) => (
                  <tr key={reason}>
                    <th scope="row">{reason}</th>
                    <td>{count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No rejected shares.</p>
          )}
        </section>
      </div>

      <GroupedDevices />

      <section aria-labelledby={`${id}-miners`}>
        <h2 id={`${id}-miners`}>Miners</h2>
        {mining && mining.miners.length > 0 ? (
          <div className="stack">
            <table aria-label="Miners" className="fixed-table">
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Address</th>
                  <th scope="col">Hashrate</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Rejected</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Last share</th>
                </tr>
              </thead>
              <tbody>
                {(allMiners ? mining.miners : mining.miners.slice(0, MINERS_SHOWN)).map((m) => (
                  <tr key={m.id}>
                    <td>{m.worker}</td>
                    <td className="mono">{m.address}</td>
                    <td>{formatHashrate(m.hashrate)}</td>
                    <td>{m.accepted}</td>
                    <td>{m.rejected}</td>
                    <td>{formatMs(m.latencyMs)}</td>
                    <td>{formatAgo(m.lastShareAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {mining.miners.length > MINERS_SHOWN && (
              <button type="button" onClick={() => setAllMiners(!allMiners)}>
                {allMiners ? `Show the first ${MINERS_SHOWN} miners` : `Show all ${mining.miners.length} miners`}
              </button>
            )}
          </div>
        ) : (
          <p className="muted">No miners connected.</p>
        )}
      </section>

      <section aria-labelledby={`${id}-stream`}>
        <h2 id={`${id}-stream`}>
          Live: <Term term="share">share</Term> → <Term term="quote">quote</Term> → <Term term="proof">proof</Term>
        </h2>
        {stream.length === 0 ? (
          <p className="muted">Nothing yet: events appear here as shares are judged, quoted and minted.</p>
        ) : (
          <ol className="stream mono" aria-label="Live share, quote and proof events">
            {stream.map((line) => (
              <li key={line.key} className={line.bad ? 'bad' : ''}>
                <span className={`tag tag-${line.kind}`}>{line.kind}</span> {line.text}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
