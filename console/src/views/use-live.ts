/**
 * The live snapshot as React state: opens the stream for a session, closes it on sign-out,
 * and ticks once a second so the snapshot's age on screen stays current.
 * @module
 */
import { useEffect, useState } from 'react';
import type { Api } from '../api/client.ts';
import { openStream, type LiveState } from '../api/stream.ts';
import type { ConsoleSnapshot } from '../api/types.ts';

/** What the header and the views read. */
export interface Live {
  readonly snapshot?: ConsoleSnapshot;
  readonly state: LiveState;
  readonly detail?: string;
  /** The current time, updated every second (for ages). */
  readonly now: number;
}

/** Subscribes to the stream of `api`'s server. */
export function useLive(api: Api): Live {
  const [snapshot, setSnapshot] = useState<ConsoleSnapshot | undefined>();
  const [state, setState] = useState<{ state: LiveState; detail?: string }>({ state: 'connecting' });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const stream = openStream(api, {
      onSnapshot: setSnapshot,
      onState: (s, detail) => setState(detail === undefined ? { state: s } : { state: s, detail }),
    });
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stream.close();
      clearInterval(timer);
    };
  }, [api]);
  return { ...(snapshot === undefined ? {} : { snapshot }), ...state, now };
}
