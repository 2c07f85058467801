import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandInput, CommandName, CommandOutput } from '../../core/api/contract';
import type { ApiError } from '../../core/api/define';
import { asApiError, call } from './api';

export interface CommandState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Reads a command once and then every `intervalMs` (0 = once), and again whenever `refreshKey` changes
 * (pages pass the count of relevant events so pushes show at once).
 */
export function useCommand<N extends CommandName>(name: N, input: CommandInput<N>, intervalMs = 0, refreshKey: unknown = 0): CommandState<CommandOutput<N>> {
  const [data, setData] = useState<CommandOutput<N>>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const inputKey = JSON.stringify(input);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    call(name, JSON.parse(inputKey) as CommandInput<N>).then(
      (value) => {
        if (cancelled) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [name, inputKey, tick, refreshKey]);

  useEffect(() => {
    if (!intervalMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Runs an action (a POST/PUT command) and keeps its error for the form that started it. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(undefined);
      try {
        return await action(...args);
      } catch (err) {
        setError(asApiError(err));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, setError };
}
