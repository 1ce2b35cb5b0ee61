/**
 * The `warren-codegen` command: argument parsing and the generate / `--check` flows, as a
 * function the tests call in-process (cli.ts only wires it to the process).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { checkFiles, writeFiles } from './files.js';
import { DEFAULT_IMPORT_FROM, generate, type GenerateOptions } from './generate.js';
import type { EnforceableCheck } from './quirks.js';
import { SpecError } from './raw.js';

export const USAGE = `Usage: warren-codegen --spec <file.xml> [--overlay <file.xml>]... --out <dir> [options]

  --spec <file>          the base AMQP 0-9-1 spec XML (gzipped too: .xml.gz)
  --overlay <file>       an overlay in the same dialect (repeatable, applied in order)
  --out <dir>            output folder (e.g. src/amqp)
  --import-from <spec>   where generated files import the codec runtime from, relative to --out
                         when it starts with "." (default: warren/codec; inside the warren
                         package itself: the relative path to runtime/codec/index.js)
  --enforce-asserts <l>  spec asserts to enforce in encoders: comma list of notnull,length,regexp
  --check                compare with --out instead of writing; print a diff, exit 1 on drift
`;

/**
 * The XML of a spec or overlay file. A `.gz` file is gunzipped, and a path that does not exist
 * is read from the same path plus `.gz` when that exists: the package ships its specs gzipped
 * (test/package.test.ts), and `--spec node_modules/warren/spec/amqp0-9-1.xml` still reads them.
 * Banners name the path as given and hash the XML, so the output is the same either way.
 */
export function readSpec(path: string): string {
  const file = !existsSync(path) && existsSync(`${path}.gz`) ? `${path}.gz` : path;
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

export interface RunIo {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const posix = (p: string): string => p.split(sep).join('/');

/**
 * Inside the warren package itself (the nearest package.json above --out is named "warren" and
 * has runtime/codec/index.ts) generated code imports the runtime by relative path; everywhere
 * else it imports the published `warren/codec`.
 */
export function defaultImportFrom(outDir: string): string {
  for (let dir = resolve(outDir); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
      const runtime = join(dir, 'runtime', 'codec', 'index.ts');
      if (name !== 'warren' || !existsSync(runtime)) return DEFAULT_IMPORT_FROM;
      const rel = posix(relative(resolve(outDir), runtime)).replace(/\.ts$/, '.js');
      return rel.startsWith('.') ? rel : `./${rel}`;
    }
    if (dirname(dir) === dir) return DEFAULT_IMPORT_FROM;
  }
}

/** Parses arguments into generator options plus the output folder and mode. */
export function resolveRun(argv: readonly string[], cwd: string): { options: GenerateOptions; outDir: string; check: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      spec: { type: 'string' },
      overlay: { type: 'string', multiple: true },
      out: { type: 'string' },
      'import-from': { type: 'string' },
      'enforce-asserts': { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help || !values.spec || !values.out) throw new UsageError(values.help ? '' : 'missing --spec or --out');
  // Banner names are as the user gave them, relative to the project, so they are the same on every machine.
  const source = (file: string): { file: string; xml: string } => ({
    file: posix(relative(cwd, resolve(cwd, file))),
    xml: readSpec(resolve(cwd, file)),
  });
  const outDir = resolve(cwd, values.out);
  const enforce: Partial<Record<EnforceableCheck, boolean>> = {};
  for (const check of (values['enforce-asserts'] ?? '').split(',').filter((s) => s !== '')) {
    if (check !== 'notnull' && check !== 'length' && check !== 'regexp') throw new UsageError(`unknown assert "${check}"`);
    enforce[check] = true;
  }
  const command = ['warren-codegen', '--spec', values.spec, ...(values.overlay ?? []).flatMap((o) => ['--overlay', o]), '--out', values.out];
  if (values['import-from'] !== undefined) command.push('--import-from', values['import-from']);
  if (values['enforce-asserts'] !== undefined) command.push('--enforce-asserts', values['enforce-asserts']);
  return {
    outDir,
    check: values.check === true,
    options: {
      spec: source(values.spec),
      overlays: (values.overlay ?? []).map(source),
      importFrom: values['import-from'] ?? defaultImportFrom(outDir),
      enforceAsserts: enforce,
      regenerate: command.join(' '),
    },
  };
}

class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs the command; returns the exit code (0 ok, 1 drift, 2 bad input or usage). */
export function main(argv: readonly string[], io: RunIo): number {
  try {
    const { options, outDir, check } = resolveRun(argv, io.cwd);
    const files = generate(options);
    const shown = posix(relative(io.cwd, outDir)) || '.';
    if (check) {
      const drift = checkFiles(outDir, files);
      if (drift.changed.length === 0) {
        io.stdout(`warren-codegen: ${shown} is up to date (${files.size} files)\n`);
        return 0;
      }
      io.stdout(`${drift.diff}\n`);
      io.stderr(`warren-codegen: ${shown} differs from a fresh generation in ${drift.changed.length} file(s): ${drift.changed.join(', ')}\n`);
      return 1;
    }
    writeFiles(outDir, files);
    io.stdout(`warren-codegen: wrote ${files.size} files to ${shown}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message ? `warren-codegen: ${e.message}\n\n` : ''}${USAGE}`);
      return e.message ? 2 : 0;
    }
    if (e instanceof SpecError || (e instanceof Error && (e as NodeJS.ErrnoException).code !== undefined)) {
      io.stderr(`warren-codegen: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
