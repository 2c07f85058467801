/**
 * Bench page (built only by bench/ui.bench.ts, never shipped): the real DashboardPage fed N synthetic miners,
 * updated like the 1 Hz poll does: React commit time, the whole update (render, commit, chart redraw, layout) and
 * the time to the next painted frame.
 * Results land on window.__benchResult for the bench to read.
 */
import { Profiler, StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import '../styles.css';
import { useApp } from '../store';
import { DashboardPage } from '../pages/Dashboard';
import type { MiningView } from '../shapes';

declare global {
  interface Window {
    __benchResult?: { devices: number; updates: number; commitMs: number[]; updateMs: number[]; layoutMs: number[]; frameMs: number[] };
  }
}

const params = new URLSearchParams(window.location.search);
const devices = Number(params.get('devices') ?? 100);
const updates = Number(params.get('updates') ?? 20);
const intervalMs = Number(params.get('interval') ?? 1000);

const UPSTREAM = 'stratum2+tcp://127.0.0.1:34254/9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72';

function miningAt(step: number): MiningView {
  const now = Date.now();
  const miners = Array.from({ length: devices }, (_, i) => ({
    id: `miner-${i}`,
    worker: `bitaxe-${i}`,
    address: `10.0.${i >> 8}.${i & 255}:51${String(i).padStart(3, '0')}`,
    userAgent: 'bitaxe/BM1370/v2.15.0',
    connectedAt: new Date(now - 3_600_000).toISOString(),
    difficulty: 4096,
    hashrate: 1.1e12 + ((i * 7919 + step * 104729) % 1000) * 1e8,
    lastShareAt: new Date(now - ((i + step) % 30) * 1000).toISOString(),
    accepted: 100 * step + i,
    rejected: (step + i) % 3,
    awaiting: step % 2,
    rejectReasons: { 'stale-share': (step + i) % 3 },
    latencyMs: 2 + ((i + step) % 10) / 10,
    versionMask: '1fffe000',
    upstream: UPSTREAM,
  }));
  return {
    shares: { accepted: 100 * step * devices, rejected: step, awaiting: step % 4, rejectReasons: { 'stale-share': step, 'low-difficulty': 1 } },
    hashrate: miners.reduce((sum, m) => sum + m.hashrate, 0),
    miners,
    upstream: {
      url: UPSTREAM,
      protocol: 'sv2',
      state: 'up',
      connected: true,
      latencyMs: 3.2,
      activeIndex: 0,
      failover: false,
      lastError: null,
      switches: 0,
      since: new Date(now - 3_600_000).toISOString(),
      upstreams: [{ url: UPSTREAM, protocol: 'sv2', state: 'up', lastError: null, since: new Date(now - 3_600_000).toISOString() }],
    },
    recentShares: [],
    hashrateHistory: Array.from({ length: 60 }, (_, i) => ({ at: new Date(now - (60 - i) * 60_000).toISOString(), hashrate: devices * 1.1e12 })),
    invalid: {},
    stratum: { host: '0.0.0.0', port: 34255 },
  };
}

function seed(): void {
  const now = Date.now() / 1000;
  const hashrate = Array.from({ length: 3600 }, (_, i) => ({ t: now - 3600 + i, v: devices * 1.1e12 + (i % 60) * 1e9 }));
  useApp.setState({
    mining: miningAt(0),
    wallet: {
      exists: true,
      locked: false,
      lockingKeyMode: 'derived',
      vault: 'passphrase',
      restoring: false,
      pendingQuotes: 0,
      balances: [{ mint: 'http://127.0.0.1:3338', unit: 'hash', amount: 230_400, proofs: 12 }],
    },
    hashrate,
  });
}

let lastCommit = 0;
const commitMs: number[] = [];
const frameMs: number[] = [];
const updateMs: number[] = [];
const layoutMs: number[] = [];

function update(step: number): Promise<void> {
  return new Promise((done) => {
    const started = performance.now();
    const state = useApp.getState();
    const t = Date.now() / 1000;
    const mining = miningAt(step);
    // render + commit + effects (the charts' setData redraw) synchronously, then the layout they cause
    flushSync(() =>
      useApp.setState({
        mining,
        hashrate: [...state.hashrate.slice(1), { t, v: mining.hashrate }],
      }),
    );
    const rendered = performance.now();
    void document.body.offsetHeight;
    updateMs.push(performance.now() - started);
    layoutMs.push(performance.now() - rendered);
    // after React commits and the browser paints: one rAF for the frame, a task after it for the paint
    requestAnimationFrame(() =>
      setTimeout(() => {
        frameMs.push(performance.now() - started);
        commitMs.push(lastCommit);
        done();
      }, 0),
    );
  });
}

seed();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Profiler
      id="dashboard"
      onRender={(_id, _phase, actualDuration) => {
        lastCommit = actualDuration;
      }}
    >
      <DashboardPage />
    </Profiler>
  </StrictMode>,
);

void (async () => {
  await new Promise((r) => setTimeout(r, 500));
  for (let step = 1; step <= updates; step++) {
    await update(step);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  window.__benchResult = { devices, updates, commitMs, updateMs, layoutMs, frameMs };
})();
