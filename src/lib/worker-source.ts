/**
 * What a `node:worker_threads` worker evaluates (`new Worker(source, { eval: true })`) to run one
 * module of Lintas: the module itself when it is JavaScript (the CLI bundle contains every worker
 * module), or, when it is the TypeScript source, tsx's loader first, since workers do not inherit
 * the parent's module hooks.
 * @module
 */

/** The source a worker evaluates to import `moduleUrl` (a `file:` URL, e.g. `import.meta.url`). */
export function workerModuleSource(moduleUrl: string): string {
  if (!moduleUrl.endsWith('.ts')) return `import(${JSON.stringify(moduleUrl)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); })`;
}
