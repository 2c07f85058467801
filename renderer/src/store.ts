/**
 * The one app store, in slices (renderer/src/state/): where the user is (session), what the engine said last about
 * itself (engine), the live event stream (stream), and mining and wallet state (live). Data comes in one way: the
 * initial fetch (`load`, `refresh`), then events (`receive`), plus the once-a-second refresh the hashrate chart samples.
 */
import { createAppStore } from './state/create';
import { routeFromHash } from './state/routes';

export { pages, pageTitles, routeFromHash, type Page, type Route } from './state/routes';
export type { AppState, LogRecord } from './state/shape';
export { eventsSince } from './state/stream';
export { totalBalance, totalHashrate } from './state/live';
export { createAppStore } from './state/create';

export const useApp = createAppStore(routeFromHash(window.location.hash));

/** Mining and wallet state once a second (events make it sooner); one refresh at a time. */
export function startLivePolling(intervalMs = 1000): () => void {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    void useApp
      .getState()
      .refresh()
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => clearInterval(timer);
}
