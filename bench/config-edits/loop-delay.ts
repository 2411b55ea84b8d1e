/**
 * Preloaded into the `lintas serve` the config-edit bench starts (`node --import
 * tsx --import bench/config-edits/loop-delay.ts …`): samples the main thread's
 * event-loop delay with perf_hooks.monitorEventLoopDelay, and on SIGUSR2 prints
 * what it saw since the previous SIGUSR2 as one line on stderr,
 * `lintas-bench-loop-delay {"p50":…,"p99":…,"max":…,"samples":…}` (ms), then
 * starts over. The bench sends SIGUSR2 at each phase boundary.
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LOOP_DELAY_PREFIX } from './load.ts';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('SIGUSR2', () => {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  const report = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count };
  process.stderr.write(`${LOOP_DELAY_PREFIX}${JSON.stringify(report)}\n`);
  histogram.reset();
});
