/// <reference lib="dom" />
/**
 * The UI's budgets, measured in Debian Chromium: main bundle size (gzip), time to interactive from opening the
 * token URL of a real `axewallet serve`, and the dashboard's render time per update with 100 devices at 1 Hz
 * (ratio against 1 device in the same run). Budgets (issue 9): <= 250 KB gzip, <= 1.5 s, <= 8 ms per update.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { launchChromium, repoRoot, startServe } from '../e2e/harness';
import { percentile, round } from './measure';

const rendererDir = join(repoRoot, 'renderer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const stat = statSync(join(dir, name));
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(join(dir, name)) : stat.mtimeMs);
  }
  return newest;
}

/** The bundle measured is the one the sources make now: rebuilt when missing or older than them. */
function ensureRendererBuild(): string {
  const dist = join(rendererDir, 'dist');
  const built = join(dist, 'index.html');
  const sources = Math.max(newestMtime(join(rendererDir, 'src')), newestMtime(join(repoRoot, 'core', 'api')));
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error('renderer build failed');
  }
  return dist;
}

function bundleSizes(dist: string): { mainJsGzipKB: number; mainJsKB: number; cssGzipKB: number; totalGzipKB: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const main = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (!main) throw new Error('no entry script in renderer/dist/index.html');
  const assets = readdirSync(join(dist, 'assets'));
  const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  const css = assets.filter((a) => a.endsWith('.css')).reduce((sum, a) => sum + gz(`assets/${a}`), 0);
  const total = assets.filter((a) => /\.(js|css)$/.test(a)).reduce((sum, a) => sum + gz(`assets/${a}`), 0);
  return { mainJsGzipKB: round(gz(main) / 1024, 1), mainJsKB: round(statSync(join(dist, main)).size / 1024, 1), cssGzipKB: round(css / 1024, 1), totalGzipKB: round(total / 1024, 1) };
}

async function timeToInteractive(runs: number): Promise<{ p50Ms: number; maxMs: number; firstMs: number }> {
  const serve = await startServe({ name: 'bench-ui' });
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(serve.url);
      // interactive: the frame is drawn, the engine answered (status bar says connected) and navigation works
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await page
        .getByLabel('Status')
        .getByText(/Axewallet\s+connected/)
        .waitFor();
      times.push(Date.now() - started);
      await context.close();
    }
  } finally {
    await browser.close();
    await serve.dispose();
  }
  return { firstMs: times[0]!, p50Ms: percentile(times, 50), maxMs: Math.max(...times) };
}

async function buildBenchPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'axewallet-ui-bench-'));
  await build({
    configFile: join(rendererDir, 'vite.config.ts'),
    logLevel: 'error',
    // the production React build drops Profiler timings; the profiling build keeps them
    resolve: { alias: [{ find: /^react-dom\/client$/, replacement: 'react-dom/profiling' }] },
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(rendererDir, 'bench.html') } },
  });
  return outDir;
}

function serveDir(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = resolve(dir, `.${new URL(req.url ?? '/', 'http://x').pathname}`);
    if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })),
  );
}

async function renderPerUpdate(runs: Array<{ devices: number; updates: number; intervalMs: number }>) {
  const dir = await buildBenchPage();
  const http = await serveDir(dir);
  const browser = await launchChromium();
  const out: Record<string, { commitP50Ms: number; updateP50Ms: number; updateP95Ms: number; layoutP50Ms: number; frameP50Ms: number; frameP95Ms: number }> = {};
  try {
    for (const { devices: count, updates, intervalMs } of runs) {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(`${http.url}/bench.html?devices=${count}&updates=${updates}&interval=${intervalMs}`);
      const result = await page.waitForFunction(() => window.__benchResult, undefined, { timeout: updates * intervalMs + 30_000 }).then((h) => h.jsonValue());
      // the first updates warm the JIT up; they are not what a running dashboard costs
      const commits = result!.commitMs.slice(2);
      const updatesMs = result!.updateMs.slice(2);
      const frames = result!.frameMs.slice(2);
      out[String(count)] = {
        commitP50Ms: round(percentile(commits, 50), 2),
        updateP50Ms: round(percentile(updatesMs, 50), 2),
        updateP95Ms: round(percentile(updatesMs, 95), 2),
        layoutP50Ms: round(percentile(result!.layoutMs.slice(2), 50), 2),
        frameP50Ms: round(percentile(frames, 50), 2),
        frameP95Ms: round(percentile(frames, 95), 2),
      };
      await page.context().close();
    }
  } finally {
    await browser.close();
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

declare global {
  interface Window {
    __benchResult?: { devices: number; updates: number; commitMs: number[]; updateMs: number[]; layoutMs: number[]; frameMs: number[] };
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const bundle = bundleSizes(ensureRendererBuild());
  const tti = await timeToInteractive(3);
  const render = await renderPerUpdate([
    { devices: 1, updates: 12, intervalMs: 250 },
    { devices: 100, updates: 12, intervalMs: 1000 },
  ]);
  const hundred = render['100']!;
  const one = render['1']!;
  return {
    bundle: { ...bundle, budgetKB: 250, withinBudget: bundle.mainJsGzipKB <= 250 },
    timeToInteractive: { ...tti, budgetMs: 1500 },
    dashboardUpdate: {
      devices1: one,
      devices100: hundred,
      ratio100vs1: round(hundred.updateP50Ms / Math.max(one.updateP50Ms, 0.01), 2),
      budgetMs: 8,
      note: 'update = render + commit + chart redraw + layout (the budgeted figure); commit = React Profiler actualDuration; layout = its forced reflow; frame = to the next painted frame; 3600-point charts; the table lists the first 25 miners (the rest behind Show all)',
    },
  };
}
