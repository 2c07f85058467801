import { useId, useMemo, useState } from 'react';
import { shortUrl, upstreamStateWords } from '../components/StatusBar';
import { Chart } from '../components/Chart';
import { ErrorNotice } from '../components/ErrorNotice';
import { GroupedDevices } from '../components/GroupedDevices';
import { formatAgo, formatHashrate, formatMs, formatSi } from '../format';
import { totalBalance, totalHashrate, useLive } from '../live';
import { mergeHistory, streamLines, toChartData } from '../pipeline';
import { inWindow, type WindowName, windows } from '../series';
import { useApp } from '../store';

/** A farm's dashboard lists the first miners; the rest on request (every row costs layout on each 1 Hz update). */
const MINERS_SHOWN = 25;

/** One figure at a glance; a dash until it is known. */
function Card({ label, name, value }: { label: string; name: string; value: string | number | undefined | null }) {
  return (
    <div className="card">
      <span className="card-label">{label}</span>
      <span className="card-value" aria-label={name}>
        {value ?? '—'}
      </span>
    </div>
  );
}

export function DashboardPage() {
  const mining = useLive((s) => s.mining);
  const miningError = useLive((s) => s.miningError);
  const wallet = useLive((s) => s.wallet);
  const hashrate = useLive((s) => s.hashrate);
  const earned = useLive((s) => s.earned);
  const events = useApp((s) => s.events);
  const navigate = useApp((s) => s.navigate);
  const [span, setSpan] = useState<WindowName>('10m');
  const [allMiners, setAllMiners] = useState(false);
  const id = useId();

  const hashData = useMemo(() => toChartData(inWindow(mergeHistory(mining?.hashrateHistory, hashrate), span)), [mining?.hashrateHistory, hashrate, span]);
  const earnedData = useMemo(() => toChartData(inWindow(earned, span)), [earned, span]);
  const stream = useMemo(() => streamLines(events), [events]);
  const unit = wallet?.balances[0]?.unit ?? 'hash';

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
      {mining && mining.miners.length === 0 && (
        <div className="notice" role="note">
          <strong>No Bitaxe is mining through Axewallet yet.</strong>{' '}
          <button type="button" onClick={() => navigate('setup')}>
            Set up a Bitaxe
          </button>
        </div>
      )}
      {miningError && <ErrorNotice error={miningError} title="Mining state" />}

      <section aria-labelledby={`${id}-totals`} className="cards">
        <h2 id={`${id}-totals`} className="visually-hidden">
          Totals
        </h2>
        <Card label="Hashrate" name="Total hashrate" value={mining && formatHashrate(totalHashrate(mining))} />
        <Card label="Shares accepted" name="Shares accepted" value={mining?.shares.accepted} />
        <Card label="Shares rejected" name="Shares rejected" value={mining?.shares.rejected} />
        <Card label="Awaiting verdict" name="Shares awaiting verdict" value={mining?.shares.awaiting} />
        <Card label="ehash balance" name="ehash balance" value={wallet?.exists ? `${formatSi(totalBalance(wallet))} ${unit}` : undefined} />
      </section>

      <section aria-labelledby={`${id}-charts`} className="stack">
        <div className="row">
          <h2 id={`${id}-charts`}>Hashrate and ehash</h2>
          <div role="radiogroup" aria-label="Chart window" className="segmented">
            {(Object.keys(windows) as WindowName[]).map((w) => (
              <button key={w} type="button" role="radio" aria-checked={span === w} onClick={() => setSpan(w)}>
                {w}
              </button>
            ))}
          </div>
        </div>
        <div className="grid2">
          <Chart
            label="Total hashrate"
            summary={mining ? formatHashrate(totalHashrate(mining)) : 'no data yet'}
            data={hashData}
            series={[{ label: 'hashrate', stroke: '#e8731a' }]}
            formatValue={(v) => `${formatSi(v)}H/s`}
            spanSeconds={windows[span]}
          />
          <Chart
            label={`ehash earned (${unit})`}
            summary={wallet?.exists ? `${formatSi(totalBalance(wallet))} ${unit}` : 'no wallet yet'}
            data={earnedData}
            series={[{ label: unit, stroke: '#3c8dde' }]}
            formatValue={(v) => formatSi(v)}
            spanSeconds={windows[span]}
          />
        </div>
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
                <dd className={mining.upstream.state === 'up' ? 'good' : mining.upstream.state === 'down' || mining.upstream.state === 'silent' ? 'bad' : ''}>
                  {upstreamStateWords[mining.upstream.state]}
                  {mining.upstream.failover ? ' — on failover' : ''}
                </dd>
                <dt>Pool latency</dt>
                <dd>{formatMs(mining.upstream.latencyMs)}</dd>
                <dt>Switches</dt>
                <dd>{mining.upstream.switches}</dd>
                {mining.upstream.lastError && (
                  <>
                    <dt>Last error</dt>
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
        <h2 id={`${id}-stream`}>Live: share → quote → proof</h2>
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
