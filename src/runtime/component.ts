/**
 * The one lifecycle every part of a running Lintas shares (issue 15): start (resolves once the
 * component serves or runs), health (ready or why not), stop. A runtime starts components in the
 * order of one list (dependencies first) and stops them in reverse; a start that fails half-way
 * stops what already started, so nothing is left running or bound.
 * @module
 */
import type { Logger } from '../observability/index.ts';

/** A component's health: ready, or the reason it is not (what `/readyz` shows). */
export interface ComponentHealth {
  readonly ready: boolean;
  readonly detail?: string;
}

/** One part of a runtime. */
export interface Component {
  readonly name: string;
  /** Starts it; resolves once it runs (its listeners bound, its subscriptions open). */
  start(): Promise<void>;
  /** Stops it and releases every handle; idempotent. */
  stop(): Promise<void>;
  /** Ready, or why not. */
  health(): ComponentHealth;
}

/** Components that started, to be stopped as one. */
export interface StartedComponents {
  /** Every component in start order. */
  readonly components: readonly Component[];
  /** The first component that is not ready, with its reason (undefined when all are). */
  notReady(): string | undefined;
  /** Stops every component in reverse start order; failures are logged, and the first is rethrown after all stopped. */
  stop(): Promise<void>;
}

/** Error raised when a component fails to start; `component` names it, `cause` is the original error. */
export class ComponentStartError extends Error {
  override readonly name = 'ComponentStartError';
  /** Creates the error for `component`. */
  constructor(
    readonly component: string,
    cause: unknown,
  ) {
    super(`${component}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Stops `components` in reverse order, every one even when some fail; returns the first failure. */
async function stopAll(components: readonly Component[], log: Logger): Promise<unknown> {
  let first: unknown;
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
    } catch (error) {
      log.error('component failed to stop', { component: component.name, error: error instanceof Error ? error.message : String(error) });
      first ??= error;
    }
  }
  return first;
}

/**
 * Starts `components` in order. When one fails, the ones already started are stopped (in reverse)
 * and a {@link ComponentStartError} naming the failed one is thrown.
 */
export async function startComponents(components: readonly Component[], log: Logger): Promise<StartedComponents> {
  const started: Component[] = [];
  for (const component of components) {
    try {
      await component.start();
    } catch (error) {
      await stopAll(started, log);
      throw new ComponentStartError(component.name, error);
    }
    started.push(component);
  }
  let stopping: Promise<void> | undefined;
  return {
    components: started,
    notReady() {
      for (const component of started) {
        const h = component.health();
        if (!h.ready) return h.detail ?? `${component.name} not ready`;
      }
      return undefined;
    },
    stop() {
      stopping ??= stopAll(started, log).then((error) => {
        if (error !== undefined) throw error;
      });
      return stopping;
    },
  };
}
