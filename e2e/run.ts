/**
 * Runs every journey in one Chromium, prints a line per journey and returns the counts.
 * A journey that finds a backend piece missing (Blocked) fails, naming the piece: CI skips nothing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Blocked, type Journey, type JourneyContext, launchChromium, outputDir, repoRoot } from './harness';
import { journeys } from './journeys';

export interface E2eResult {
  passed: number;
  failed: number;
  journeys: Array<{ name: string; outcome: 'passed' | 'failed'; seconds: number; detail?: string; screenshots: string[] }>;
}

const JOURNEY_TIMEOUT_MS = 240_000;

export async function runJourneys(only: string[] = []): Promise<E2eResult> {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const result: E2eResult = { passed: 0, failed: 0, journeys: [] };
  const browser = await launchChromium();
  const suiteCleanups: Array<() => Promise<void> | void> = [];
  try {
    for (const journey of journeys.filter((j) => only.length === 0 || only.includes(j.name))) {
      const started = Date.now();
      const outcome = await runOne(browser, journey, suiteCleanups);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      result.journeys.push({ name: journey.name, seconds, ...outcome });
      result[outcome.outcome]++;
      const mark = { passed: '✓', failed: '✗' }[outcome.outcome];
      process.stderr.write(`${mark} ${journey.name}: ${journey.title} (${seconds}s)${outcome.detail ? `\n    ${outcome.detail}` : ''}\n`);
    }
  } finally {
    for (const fn of suiteCleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await browser.close();
  }
  writeFileSync(join(repoRoot, 'test-output', 'e2e-report.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

async function runOne(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  journey: Journey,
  suiteCleanups: Array<() => Promise<void> | void>,
): Promise<{ outcome: 'passed' | 'failed'; detail?: string; screenshots: string[] }> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const screenshots: string[] = [];
  const pages: import('playwright-core').Page[] = [];
  // what the pages' consoles reported, quoted with a failure: a blank page says nothing on its own
  const pageErrors: string[] = [];
  let currentStep = 'start';
  const startedAt = Date.now();
  let counter = 0;
  const ctx: JourneyContext = {
    browser,
    async openPage(url) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      // tsx keeps function names with an __name helper; functions sent to page.evaluate need it there too
      await context.addInitScript('globalThis.__name = (fn) => fn;');
      cleanups.push(() => context.close());
      const page = await context.newPage();
      pages.push(page);
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        problems.push(message.text());
        pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => {
        problems.push(`page error: ${error.message}`);
        pageErrors.push(`page error: ${error.message}`);
      });
      await page.goto(url);
      return { page, context, problems };
    },
    async shot(page, step) {
      counter++;
      const file = join(outputDir, `${journey.name}-${String(counter).padStart(2, '0')}-${step.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
      await page.screenshot({ path: file, fullPage: true });
      screenshots.push(file);
      return file;
    },
    step(title) {
      currentStep = title;
      if (process.env.E2E_VERBOSE) process.stderr.write(`    · ${((Date.now() - startedAt) / 1000).toFixed(1)}s ${title}\n`);
    },
    cleanup(fn) {
      cleanups.push(fn);
    },
    suiteCleanup(fn) {
      suiteCleanups.push(fn);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      journey.run(ctx),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`journey timed out after ${JOURNEY_TIMEOUT_MS / 1000}s`)), JOURNEY_TIMEOUT_MS);
      }),
    ]);
    return { outcome: 'passed', screenshots };
  } catch (error) {
    if (error instanceof Blocked) return { outcome: 'failed', detail: `blocked: ${error.message}`, screenshots };
    for (const page of pages) {
      if (!page.isClosed()) await ctx.shot(page, `failed-${currentStep}`).catch(() => undefined);
    }
    const consoleLines = pageErrors.slice(-5).map((line) => `\n    console: ${line.slice(0, 400)}`);
    return { outcome: 'failed', detail: `at "${currentStep}": ${(error as Error).message.split('\n')[0]}${consoleLines.join('')}`, screenshots };
  } finally {
    clearTimeout(timer);
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}
