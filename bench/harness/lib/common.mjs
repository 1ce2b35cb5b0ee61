// Shared helpers for the AMQP client benchmark harness: metrics, broker CPU
// sampling, a promise window, small utilities. No client-specific code here.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
// The harness lives in warren's bench/ and uses the project's own node_modules (peers are devDependencies).
const PROJECT = dirname(dirname(ROOT));
export const require = createRequire(join(PROJECT, 'package.json'));

export const DEFAULT_URL = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672/';

/** Installed version of an npm package (read from its package.json). */
export function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(join(PROJECT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Absolute path of a file inside an installed package (bypasses "exports"). */
export function pkgFile(name, rel) {
  return join(PROJECT, 'node_modules', name, rel);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function uniqueQueueName(prefix) {
  return `bench.${prefix}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
}

// ---------------------------------------------------------------- broker CPU
// The broker runs on this machine; its CPU time is read from /proc so a run can
// tell whether the broker or the client was the busy side. Returns null when
// no local beam.smp is visible (remote broker): the harness then reports null.
let brokerPid;
export function findBrokerPid() {
  if (brokerPid !== undefined) return brokerPid;
  brokerPid = null;
  if (process.env.BROKER_PID) return (brokerPid = Number(process.env.BROKER_PID));
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'beam.smp') {
          brokerPid = Number(d);
          break;
        }
      } catch {}
    }
  } catch {}
  return brokerPid;
}

const CLK_TCK = 100; // Linux USER_HZ; `getconf CLK_TCK` on this machine
/** Broker user+sys CPU seconds so far, or null. */
export function brokerCpuSeconds() {
  const pid = findBrokerPid();
  if (!pid) return null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // fields after "(comm) ": state is index 0, utime index 11, stime index 12
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const v = (Number(f[11]) + Number(f[12])) / CLK_TCK;
      if (Number.isFinite(v)) return v;
    } catch (err) {
      if (process.env.BENCH_DEBUG) console.error('brokerCpuSeconds:', err);
    }
  }
  return null;
}

// ------------------------------------------------------------------ metrics
/**
 * Measures one timed phase: wall time (hrtime), this process's user+sys CPU
 * (process.cpuUsage), broker CPU (/proc), and RSS sampled every `sampleMs`.
 */
export class Phase {
  constructor(sampleMs = 10) {
    this.sampleMs = sampleMs;
  }
  start() {
    this.rssPeak = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      const r = process.memoryUsage.rss();
      if (r > this.rssPeak) this.rssPeak = r;
    }, this.sampleMs);
    this.broker0 = brokerCpuSeconds();
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
    return this;
  }
  /** seconds since start */
  elapsed() {
    return Number(process.hrtime.bigint() - this.t0) / 1e9;
  }
  stop() {
    const wall = this.elapsed();
    const cpu = process.cpuUsage(this.cpu0);
    const broker1 = brokerCpuSeconds();
    clearInterval(this.timer);
    const r = process.memoryUsage.rss();
    if (r > this.rssPeak) this.rssPeak = r;
    return {
      wall_s: wall,
      cpu_user_s: cpu.user / 1e6,
      cpu_sys_s: cpu.system / 1e6,
      broker_cpu_s: this.broker0 == null || broker1 == null ? null : broker1 - this.broker0,
      phase_rss_peak_mb: this.rssPeak / 1048576,
    };
  }
}

export function peakRssMb() {
  // process.resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss)
  return process.resourceUsage().maxRSS / 1024;
}

// ------------------------------------------------------------ promise window
/**
 * Calls fire(i) for i in [0, n) keeping at most `window` returned promises
 * pending; resolves when all have settled, rejects on the first rejection.
 * Used by adapters whose publish returns a promise (one per message).
 */
export function windowed(n, window, fire) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inflight = 0;
    let done = 0;
    let failed = false;
    let pumping = false;
    const onOk = () => {
      inflight--;
      done++;
      if (done === n) resolve();
      else if (!pumping) pump();
    };
    const onErr = (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    };
    function pump() {
      pumping = true;
      try {
        while (!failed && next < n && inflight < window) {
          inflight++;
          fire(next++).then(onOk, onErr);
        }
      } catch (err) {
        onErr(err);
      }
      pumping = false;
    }
    if (n === 0) resolve();
    else pump();
  });
}

// ------------------------------------------------------------------- stats
export function median(xs) {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export function min(xs) {
  const s = xs.filter((x) => x != null && !Number.isNaN(x));
  return s.length ? Math.min(...s) : null;
}
export function max(xs) {
  const s = xs.filter((x) => x != null && !Number.isNaN(x));
  return s.length ? Math.max(...s) : null;
}
