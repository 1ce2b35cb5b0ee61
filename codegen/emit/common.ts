/**
 * What every emitter shares: the ts-morph project, the banner, JSDoc text, the TypeScript type
 * of each AMQP primitive, and where the codec runtime is imported from.
 */
import { posix } from 'node:path';
import { IndentationText, NewLineKind, Project, QuoteKind, type JSDocStructure, type OptionalKind, type SourceFile } from 'ts-morph';
import type { Field, Method, PrimitiveType } from '../model.js';
import type { EnforceableCheck } from '../quirks.js';

/** Everything an emitter needs besides the model. */
export interface EmitContext {
  /** The banner text (already `//`-commented), identical for every file. */
  readonly banner: string;
  /** Codec runtime specifier as seen from the output root (`warren/codec` or a relative path). */
  readonly importFrom: string;
  /** Which spec asserts encoders enforce. */
  readonly enforce: Readonly<Record<EnforceableCheck, boolean>>;
}

/** One ts-morph project per generation, in memory: nothing touches the disk. */
export function newProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Single,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
}

const headers = new WeakMap<SourceFile, string>();

/** Creates `path` (relative to the output root); {@link fileText} puts the banner and `fileDoc` on top. */
export function newFile(project: Project, ctx: EmitContext, path: string, fileDoc: string): SourceFile {
  const sf = project.createSourceFile(`/out/${path}`, '', { overwrite: true });
  headers.set(sf, `${ctx.banner}\n/**\n${star(fileDoc)}\n */\n`);
  return sf;
}

/** The finished text of a file: banner and file doc above the imports, then the declarations. */
export function fileText(sf: SourceFile): string {
  const body = sf
    .getFullText()
    // A blank line between top-level declarations (ts-morph leaves none after some of them).
    .replace(/([;}])\n(\/\*\*|\/\/ |export (?!\*)|const |function )/g, '$1\n\n$2')
    .replace(/\n{3,}/g, '\n\n');
  return `${headers.get(sf) ?? ''}${body}`;
}

/** Adds an import, wrapped one name per line when it would be long. */
export function addImport(sf: SourceFile, from: string, names: readonly string[], typeOnly = false): void {
  const head = typeOnly ? 'import type' : 'import';
  const oneLine = `${head} { ${names.join(', ')} } from '${from}';`;
  const text = oneLine.length <= 110 ? oneLine : `${head} {\n${names.map((n) => `  ${n},`).join('\n')}\n} from '${from}';`;
  const imports = sf.getImportDeclarations();
  sf.insertStatements(imports.length, text);
}

/** A JSDoc comment as text, in the same layout as {@link jsDoc} gives through ts-morph. */
export function renderDoc(description: string, provenance?: string): string {
  const text = docText(description.trim() || '(no documentation in the spec)');
  if (provenance === undefined && !text.includes('\n')) return `/** ${text} */`;
  const body = provenance === undefined ? text : `${text}\n\n@generated ${provenance}`;
  return `/**\n${star(body)}\n */`;
}

/**
 * Adds a documented top-level declaration written as text. Used instead of ts-morph's
 * structures for object and array literals, whose layout ts-morph would re-indent.
 */
export function addDeclaration(sf: SourceFile, doc: string, code: string): void {
  sf.addStatements([`${doc}\n${code}`, '']);
}

/** `export type Name =\n  | A\n  | B;` */
export function addUnion(sf: SourceFile, name: string, members: readonly string[], doc: string): void {
  const body = members.length === 0 ? ' never' : `\n${members.map((m) => `  | ${m}`).join('\n')}`;
  addDeclaration(sf, renderDoc(doc), `export type ${name} =${body};`);
}

function star(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? ' *' : ` * ${l}`))
    .join('\n');
}

/** The codec import specifier for a file at `path` under the output root. */
export function runtimeSpecifier(ctx: EmitContext, path: string): string {
  return relativeSpecifier(ctx.importFrom, path);
}

/** A specifier relative to the output root, re-rooted for a file in a subfolder; bare ones unchanged. */
export function relativeSpecifier(fromRoot: string, path: string): string {
  if (!fromRoot.startsWith('./') && !fromRoot.startsWith('../')) return fromRoot;
  const target = posix.join('/out', fromRoot);
  const rel = posix.relative(posix.dirname(`/out/${path}`), target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** A sibling generated module as seen from `path`: `./methods.js` or `../methods.js`. */
export function localSpecifier(path: string, target: string): string {
  return relativeSpecifier(`./${target.replace(/\.ts$/, '.js')}`, path);
}

/** Spec doc text made safe inside a JSDoc block. */
export function docText(text: string): string {
  return text.replace(/\*\//g, '*\u2215').replace(/^@/gm, '\\@');
}

/** A JSDoc with a description and a `@generated` provenance line. */
export function jsDoc(description: string, provenance?: string): OptionalKind<JSDocStructure> {
  const text = docText(description.trim() || '(no documentation in the spec)');
  if (provenance === undefined) return { description: text.includes('\n') ? `\n${text}` : text };
  // The blank line keeps the provenance tag apart from the spec's text, as JSDoc convention has it.
  return { description: `\n${text}\n`, tags: [{ tagName: 'generated', text: provenance }] };
}

/** The TypeScript type a field of each primitive type has in the public interfaces. */
export const TS_TYPE: Readonly<Record<PrimitiveType, string>> = {
  octet: 'number',
  short: 'number',
  long: 'number',
  longlong: 'Long',
  bit: 'boolean',
  shortstr: 'string',
  longstr: 'Uint8Array',
  table: 'FieldTable',
  timestamp: 'Date',
};

/** The doc of a field: its own doc, else its label (fields inherit their domain's). */
export function fieldDoc(f: Field): string {
  if (f.doc !== '') return f.label !== undefined ? `${capitalise(f.label)}.\n\n${f.doc}` : f.doc;
  return f.label !== undefined ? `${capitalise(f.label)}.` : '';
}

export function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** `(class 60, method 40; carries content; asynchronous; sent by the client)` */
export function methodProvenance(m: Method): string {
  const parts = [`class ${m.classIndex}, method ${m.index}`];
  if (m.content) parts.push('carries content');
  parts.push(m.synchronous ? 'synchronous' : 'asynchronous');
  parts.push(m.direction === 'both' ? 'sent by either peer' : `sent by the ${m.direction}`);
  if (m.deprecated) parts.push('deprecated');
  return `from method ${m.kind} (${parts.join('; ')})`;
}

/** `from field routing-key (shortstr)` or `from field exchange (domain exchange-name: shortstr)` */
export function fieldProvenance(f: Field): string {
  return `from field ${f.name} (${f.domain !== undefined ? `domain ${f.domain}: ` : ''}${f.type})`;
}
