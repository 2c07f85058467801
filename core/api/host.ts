/**
 * The engine side of the contract: handlers by command name, an event stream, and the one
 * place where input and output are validated, so IPC and HTTP behave identically.
 */
import { z } from 'zod';
import { type ApiEvent, apiEventSchema, type CommandInput, type CommandName, type CommandOutput, commandByName, commands } from './contract';
import { ApiError, describeZodError } from './define';

type Parsed<N extends CommandName> = z.output<(typeof commands)[N]['input']>;
export type Handler<N extends CommandName> = (input: Parsed<N>) => Promise<CommandOutput<N>> | CommandOutput<N>;

export type EventListener = (event: ApiEvent) => void;

export class ApiHost {
  private readonly handlers = new Map<string, (input: unknown) => unknown>();
  private readonly listeners = new Set<EventListener>();

  handle<N extends CommandName>(name: N, handler: Handler<N>): void {
    this.handlers.set(name, handler as (input: unknown) => unknown);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Validates the raw input, runs the handler, validates what it returns. Throws ApiError only. */
  async call(name: string, rawInput: unknown): Promise<unknown> {
    const def = commandByName(name);
    if (!def) throw new ApiError('not_found', `Unknown command "${name}".`);
    const handler = this.handlers.get(name);
    if (!handler) {
      throw new ApiError('unavailable', `"${name}" is not available right now.`, 'The part of Axewallet that answers it is not running; check the Logs page.');
    }
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const { message, field } = describeZodError(parsed.error);
      throw new ApiError('bad_request', message, 'Correct the highlighted value and try again.', field);
    }
    let result: unknown;
    try {
      result = await handler(parsed.data);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('internal', `"${name}" failed: ${(error as Error)?.message ?? String(error)}`, 'Try again; if it keeps failing, the Logs page has details.');
    }
    const checked = def.output.safeParse(result);
    if (!checked.success) {
      throw new ApiError('internal', `"${name}" produced an answer outside the contract: ${describeZodError(checked.error).message}`);
    }
    return checked.data;
  }

  /** Typed convenience for in-process callers (tests, the Electron main process). */
  invoke<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
    return this.call(name, input) as Promise<CommandOutput<N>>;
  }

  emit(event: ApiEvent): void {
    // shares arrive at up to thousands per second: no subscriber (no UI open), no validation work
    if (this.listeners.size === 0) return;
    const checked = apiEventSchema.safeParse(event);
    if (!checked.success) throw new Error(`event outside the contract: ${describeZodError(checked.error).message}`);
    for (const listener of this.listeners) {
      try {
        listener(checked.data);
      } catch {
        // one broken subscriber (a closed socket) must not stop the others
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export { commands };
