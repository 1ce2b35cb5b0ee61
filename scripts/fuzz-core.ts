// The long run of the sans-io core fuzzer (test/unit/protocol/core-fuzz.ts explains the cases
// and verdicts): `npm run fuzz:core -- [--count N] [--seed S]`, default 1,000,000 streams.
// Prints progress and a final report (counts, streams per second); exits 1 on any finding.
import { fuzzCore, type FuzzReport } from '../test/unit/protocol/core-fuzz.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const count = arg('count', 1_000_000);
const seed = arg('seed', Date.now() % 2 ** 31);
const started = performance.now();
const line = (r: FuzzReport): string => {
  const s = (performance.now() - started) / 1000;
  return `${r.streams} streams in ${s.toFixed(1)} s (${Math.round(r.streams / s)}/s): valid ${r.valid}, mutated ${r.mutated}, random ${r.random}; opened ${r.opened}, closed with an error ${r.closedWithError}; crashes ${r.crashes}, hangs ${r.hangs}, non-warren exceptions ${r.nonWarren}, bad output ${r.badOutput}`;
};
console.log(`fuzz-core: seed ${seed}, ${count} streams`);
const report = fuzzCore({ seed, count, every: 100_000, progress: (r) => console.log(line(r)) });
console.log(line(report));
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
for (const f of report.failures) console.log(`FAIL ${f}`);
process.exit(report.crashes + report.hangs + report.nonWarren + report.badOutput > 0 ? 1 : 0);
