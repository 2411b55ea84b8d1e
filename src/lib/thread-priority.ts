/**
 * CPU priority of single threads (Linux). A thread has its own id (the last part of
 * /proc/thread-self, or an entry of /proc/self/task), and setpriority(2) with that id
 * changes only that thread; threads it starts later inherit its nice value.
 *
 * Used so that bulk work yields the CPU to the threads that serve traffic (issue 14
 * item 5): the fleet loader's thread, and V8's platform threads (named `V8Worker`),
 * which every isolate of the process shares for background garbage collection. After
 * each edit they marked and swept what loading and translating left, 6–16 ms of CPU
 * at nice 0, and on a 2-core machine a proxying thread then waited for a CPU. At nice
 * 19 that work runs when a core is free; an isolate whose helpers are busy or slow
 * does the rest of its collection on its own thread, as V8 always does.
 *
 * Elsewhere (or if not permitted), nothing changes and the functions say so.
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The name Node gives V8's platform (background GC and compilation) threads. */
export const V8_PLATFORM_THREADS = 'V8Worker';

/** The lowest priority: for work that can wait. */
export const LOWEST_NICE = 19;

/** Lowers this thread's priority to `nice`; false where that is not possible. */
export function setThisThreadNice(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/** Sets every thread of this process whose name starts with `prefix` to `nice`; how many were changed. */
export function setNamedThreadsNice(prefix: string, nice: number): number {
  let changed = 0;
  for (const t of threadPriorities()) {
    if (!t.name.startsWith(prefix)) continue;
    try {
      setPriority(t.tid, nice);
      changed++;
    } catch {
      // Gone meanwhile, or not permitted.
    }
  }
  return changed;
}

/** This process's threads with their names and nice values (/proc/self/task); empty off Linux. */
export function threadPriorities(): { readonly tid: number; readonly name: string; readonly nice: number }[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  const out: { tid: number; name: string; nice: number }[] = [];
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // "pid (comm) state ppid …": nice is the 19th field, the 17th after the comm's closing parenthesis.
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      out.push({ tid: Number(tid), name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), nice });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}
