import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiBridge } from '../../../core/api/bridge';
import type { ApiEvent, CommandName } from '../../../core/api/contract';
import { ApiError } from '../../../core/api/define';
import { setBridge } from '../api';
import { createAppStore } from './create';

const mining = { hashrate: 5e11, miners: [] };
const wallet = { balances: [{ amount: 21 }] };

/** a bridge that answers mining.get and wallet.get, or throws `failure` while it is set */
function fakeBridge() {
  const calls: CommandName[] = [];
  const bridge = {
    failure: undefined as ApiError | undefined,
    calls,
    transport: 'http' as const,
    async call(name: CommandName) {
      calls.push(name);
      if (bridge.failure) throw bridge.failure;
      return (name === 'mining.get' ? mining : wallet) as never;
    },
    subscribe: () => () => undefined,
  };
  setBridge(bridge as ApiBridge);
  return bridge;
}

const log = (message: string): ApiEvent => ({ type: 'log', record: { time: '2026-12-05T00:00:00Z', level: 'info', scope: 'test', message } });
const upstream: ApiEvent = { type: 'mining.upstream', url: 'stratum+tcp://127.0.0.1:3333', activeIndex: 0, onPrimary: true, state: 'up', detail: null };

describe('the app store', () => {
  it('an offline error (the bridge reached nothing) marks the connection lost; the next answer clears that error and only that one', async () => {
    const bridge = fakeBridge();
    const store = createAppStore('dashboard');
    store.setState({ connection: 'online' });
    bridge.failure = new ApiError('offline', 'Axewallet is not answering.', 'Check that Axewallet is still running.');
    await store.getState().refresh();
    expect(store.getState().connection).toBe('offline');
    expect(store.getState().error?.code).toBe('offline');

    bridge.failure = undefined;
    await store.getState().refresh();
    expect(store.getState().connection).toBe('online');
    expect(store.getState().error).toBeNull();
    expect(store.getState().mining).toEqual(mining);
  });

  it('a part of the engine that is not running (unavailable, even in the same words) is not a lost connection', async () => {
    const bridge = fakeBridge();
    const store = createAppStore('dashboard');
    store.setState({ connection: 'online' });
    bridge.failure = new ApiError('unavailable', 'Axewallet is not answering.');
    await store.getState().refresh();
    expect(store.getState().connection).toBe('online');
    expect(store.getState().miningError?.code).toBe('unavailable');
  });

  it('a user error on screen stays when the connection comes back', async () => {
    const bridge = fakeBridge();
    const store = createAppStore('dashboard');
    bridge.failure = new ApiError('offline', 'Axewallet is not answering.');
    await store.getState().refresh();
    store.getState().showError(new ApiError('bad_request', 'That address is not a cashu token.'));
    bridge.failure = undefined;
    await store.getState().refresh();
    expect(store.getState().connection).toBe('online');
    expect(store.getState().error?.message).toBe('That address is not a cashu token.');
  });

  describe('the event stream', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('events and logs reach the state in one batch, not one update per event', () => {
      fakeBridge();
      const store = createAppStore('dashboard');
      let updates = 0;
      store.subscribe(() => updates++);
      for (let i = 0; i < 50; i++) store.getState().receive(log(`line ${i}`));
      for (let i = 0; i < 20; i++) store.getState().receive(upstream);
      expect(store.getState().logs).toHaveLength(0);
      expect(updates).toBe(0);
      vi.advanceTimersByTime(250);
      expect(updates).toBe(1);
      expect(
        store
          .getState()
          .logs.map((r) => r.message)
          .at(-1),
      ).toBe('line 49');
      expect(store.getState().events).toHaveLength(20);
      expect(store.getState().eventCount).toBe(20);
    });

    it('each store keeps its own batch: what one store received never appears in another', () => {
      fakeBridge();
      const first = createAppStore('dashboard');
      const second = createAppStore('dashboard');
      first.getState().receive(log('only the first store saw this'));
      second.getState().receive(upstream);
      vi.advanceTimersByTime(250);
      expect(first.getState().logs).toHaveLength(1);
      expect(first.getState().events).toHaveLength(0);
      expect(second.getState().logs).toHaveLength(0);
      expect(second.getState().events).toHaveLength(1);
    });

    it('a balance event fetches the wallet again', async () => {
      const bridge = fakeBridge();
      const store = createAppStore('dashboard');
      store.getState().receive({ type: 'wallet.balance', balances: [] });
      await vi.waitFor(() => expect(store.getState().wallet).toEqual(wallet));
      expect(bridge.calls).toContain('wallet.get');
    });
  });
});
