/**
 * Test double of an API server for the informer tests: a versioned object store with watches,
 * compaction (a watch from before it gets 410 Gone) and an outage switch. Only what the informer uses.
 * @module
 */
import { KubeApiError, type KubeList, type KubeTransport, type KubeWatchEvent, type OpenWatch } from './transport.ts';

interface Watcher {
  readonly path: string;
  readonly labelSelector: string | undefined;
  readonly onEvent: (event: KubeWatchEvent) => void;
  readonly end: (error?: unknown) => void;
}

/** Whether `object` matches a `key=value` label selector (the only form the fake understands; none matches all). */
function selected(labelSelector: string | undefined, object: Record<string, unknown>): boolean {
  if (labelSelector === undefined || labelSelector === '') return true;
  const [key = '', value] = labelSelector.split('=');
  return (object['metadata'] as { labels?: Record<string, string> } | undefined)?.labels?.[key] === value;
}

/** A fake API server; `transport` is what an informer is given. */
export class FakeApiServer {
  readonly objects = new Map<string, Record<string, unknown>>();
  rv = 1;
  compactedAt = 0;
  down = false;
  /** False: writes are not sent to open watches (a stalled stream; they still land in history). */
  deliver = true;
  /** Collection paths answered with 404 (a version the cluster does not serve). */
  readonly notServed = new Set<string>();
  readonly lists: string[] = [];
  readonly watches: { path: string; resourceVersion: string }[] = [];
  #watchers = new Set<Watcher>();
  #history: { rv: number; path: string; event: KubeWatchEvent }[] = [];

  /** Creates, replaces or (with `undefined`) deletes `name` in collection `path`, notifying watchers (`spec.metadata` is kept; name and resourceVersion are the server's). */
  write(path: string, name: string, spec: Record<string, unknown> | undefined): void {
    const key = `${path}|${name}`;
    const rv = ++this.rv;
    const existing = this.objects.get(key);
    let event: KubeWatchEvent;
    if (spec === undefined) {
      if (existing === undefined) return;
      this.objects.delete(key);
      event = { type: 'DELETED', object: { ...existing, metadata: { ...(existing['metadata'] as object), resourceVersion: String(rv) } } };
    } else {
      // A spec with its own metadata keeps it (name included: a caller may key objects by namespace/name);
      // the store owns the resourceVersion.
      const object = { ...spec, metadata: { name, ...(spec['metadata'] as object | undefined), resourceVersion: String(rv) } };
      this.objects.set(key, object);
      event = { type: existing === undefined ? 'ADDED' : 'MODIFIED', object };
    }
    this.#history.push({ rv, path, event });
    if (this.deliver) for (const w of this.#watchers) if (w.path === path && selected(w.labelSelector, event.object)) w.onEvent(event);
  }

  /** Drops history up to now: a watch from an older version gets 410 Gone. */
  compact(): void {
    this.compactedAt = this.rv;
    this.#history = [];
  }

  /** Ends every open watch (cleanly, or with `error`). */
  endWatches(error?: unknown): void {
    for (const w of [...this.#watchers]) w.end(error);
  }

  /** Sends a bookmark at the current version to every open watch. */
  bookmark(): void {
    for (const w of this.#watchers) w.onEvent({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } });
  }

  readonly transport: KubeTransport = {
    server: 'https://fake.invalid',
    list: async (path, query): Promise<KubeList> => {
      this.lists.push(path);
      if (this.down) throw new KubeApiError(0, undefined, 'connect ECONNREFUSED');
      if (this.notServed.has(path)) throw new KubeApiError(404, 'NotFound', '404 page not found');
      const items = [...this.objects].filter(([k, o]) => k.startsWith(`${path}|`) && selected(query['labelSelector'], o)).map(([, o]) => o);
      return { metadata: { resourceVersion: String(this.rv) }, items };
    },
    watch: async (path, query, onEvent, signal): Promise<OpenWatch> => {
      this.watches.push({ path, resourceVersion: query['resourceVersion'] ?? '' });
      if (this.down) throw new KubeApiError(0, undefined, 'connect ECONNREFUSED');
      let settle!: { resolve: () => void; reject: (e: unknown) => void };
      const ended = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const watcher: Watcher = {
        path,
        labelSelector: query['labelSelector'],
        onEvent,
        end: (error) => {
          this.#watchers.delete(watcher);
          if (error === undefined) settle.resolve();
          else settle.reject(error);
        },
      };
      signal.addEventListener('abort', () => watcher.end(), { once: true });
      const from = Number(query['resourceVersion']);
      if (from < this.compactedAt) {
        // As the API server does: a 200, then an ERROR event, then the end of the stream.
        queueMicrotask(() => {
          onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: `too old resource version: ${String(from)} (${String(this.compactedAt)})` } });
          watcher.end();
        });
        return { ended };
      }
      for (const h of this.#history) if (h.rv > from && h.path === path && selected(query['labelSelector'], h.event.object)) onEvent(h.event);
      this.#watchers.add(watcher);
      return { ended };
    },
  };
}
