/**
 * The public API of one package entry point as plain text, one declaration per block, for the
 * snapshot test (api.test.ts). Built with the TypeScript checker, so the text is what a user's
 * compiler sees, not how the source happens to be written: moving a declaration to another file,
 * re-exporting it differently or reformatting it changes nothing; removing, renaming or retyping
 * an export (or a public member of an exported class) changes a line.
 *
 * What is listed, per export (sorted by name, each meaning of a merged name on its own):
 * - class: its exported or built-in ancestors, constructor signatures, then static and instance
 *   members (inherited ones included, those of the standard library left out) with their types;
 *   `#private`, `private` and `@internal` members are not API and are left out; members sorted;
 * - function: every overload's signature;
 * - interface: type parameters, then every property and signature (inherited ones included);
 * - type alias: type parameters and the type, expanded one level;
 * - const / let / var: its type, fully written out;
 * - enum, namespace: their members.
 * Type text never names a file: `import("./client/x").Foo` is written `Foo`.
 */
import ts from 'typescript';

const PRINT =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope |
  ts.TypeFormatFlags.WriteArrowStyleSignature |
  ts.TypeFormatFlags.UseStructuralFallback;

/** A TypeScript program over the entry files, with the compiler options of tsconfig.json. */
export function apiProgram(tsconfig: string, entries: string[]): ts.Program {
  const read = ts.readConfigFile(tsconfig, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, tsconfig.replace(/[/\\][^/\\]*$/, ''));
  return ts.createProgram({ rootNames: entries, options: { ...parsed.options, noEmit: true } });
}

const isInternal = (decl: ts.Declaration): boolean => ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal');

/** The public API of `entry`, one block per exported meaning, sorted. */
export function apiSurface(program: ts.Program, entry: string): string {
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(entry);
  if (!sf) throw new Error(`${entry} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) throw new Error(`${entry} is not a module`);
  const exported = checker.getExportsOfModule(moduleSymbol);
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exportedTargets = new Set(exported.map(resolve));

  const clean = (text: string): string => text.replace(/import\("[^"]*"\)\./g, '').replace(/\s+/g, ' ');
  const typeText = (type: ts.Type): string => clean(checker.typeToString(type, sf, PRINT));
  const sigText = (sig: ts.Signature): string => clean(checker.signatureToString(sig, sf, PRINT));
  /** Declared by the standard library or @types/node (Error's members), not by this package. */
  const inLib = (decl: ts.Declaration): boolean => {
    const file = decl.getSourceFile();
    return program.isSourceFileDefaultLibrary(file) || program.isSourceFileFromExternalLibrary(file);
  };

  const typeParams = (decls: readonly ts.Declaration[] | undefined): string => {
    const d = decls?.find((x) => (x as { typeParameters?: unknown }).typeParameters) as { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> } | undefined;
    if (!d?.typeParameters) return '';
    const parts = d.typeParameters.map((p) => {
      const tp = checker.getTypeAtLocation(p) as ts.TypeParameter;
      const constraint = checker.getBaseConstraintOfType(tp);
      const dflt = p.default ? checker.getTypeAtLocation(p.default) : undefined;
      let s = p.name.text;
      if (p.constraint && constraint) s += ` extends ${typeText(constraint)}`;
      if (dflt) s += ` = ${typeText(dflt)}`;
      return s;
    });
    return `<${parts.join(', ')}>`;
  };

  /** One line per member of a type: properties, methods (one line per overload), accessors. */
  const members = (type: ts.Type, skip: (name: string) => boolean): string[] => {
    const out: Array<[string, string]> = [];
    const add = (key: string, line: string): void => void out.push([key, line]);
    for (const prop of checker.getPropertiesOfType(type)) {
      // a well-known symbol's internal name carries a symbol id (`__@asyncDispose@1264`)
      const name = prop.getName().replace(/^__@(\w+)@\d+$/, '[Symbol.$1]');
      const decls = prop.getDeclarations() ?? [];
      if (skip(name) || name.startsWith('#') || name.startsWith('__#')) continue;
      if (decls.length > 0 && decls.every(inLib)) continue;
      if (decls.some(isInternal)) continue;
      const flags = decls.length > 0 ? ts.getCombinedModifierFlags(decls[0]!) : 0;
      if (flags & ts.ModifierFlags.Private) continue;
      const mods = [flags & ts.ModifierFlags.Protected ? 'protected ' : '', flags & ts.ModifierFlags.Readonly ? 'readonly ' : ''].join('');
      const optional = prop.flags & ts.SymbolFlags.Optional ? '?' : '';
      const at = decls[0] ?? sf;
      const propType = checker.getTypeOfSymbolAtLocation(prop, at);
      if (prop.flags & ts.SymbolFlags.Method) {
        const sigs = checker.getSignaturesOfType(checker.getNonNullableType(propType), ts.SignatureKind.Call);
        for (const sig of sigs) add(name, `${mods}${name}${optional}${sigText(sig)}`);
        if (sigs.length === 0) add(name, `${mods}${name}${optional}: ${typeText(propType)}`);
      } else if (prop.flags & ts.SymbolFlags.Accessor) {
        const hasSet = decls.some((d) => d.kind === ts.SyntaxKind.SetAccessor);
        const hasGet = decls.some((d) => d.kind === ts.SyntaxKind.GetAccessor);
        add(name, `${mods}${hasGet ? 'get' : ''}${hasGet && hasSet ? '/' : ''}${hasSet ? 'set' : ''} ${name}: ${typeText(propType)}`);
      } else {
        add(name, `${mods}${name}${optional}: ${typeText(propType)}`);
      }
    }
    for (const sig of checker.getSignaturesOfType(type, ts.SignatureKind.Call)) add('(', sigText(sig));
    for (const sig of checker.getSignaturesOfType(type, ts.SignatureKind.Construct)) add('new', `new ${sigText(sig)}`);
    for (const info of checker.getIndexInfosOfType(type)) {
      add('[', `${info.isReadonly ? 'readonly ' : ''}[key: ${typeText(info.keyType)}]: ${typeText(info.type)}`);
    }
    // sorted: the order of declarations in the source (or an inherited member becoming an own
    // one) is no API change
    const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return out.sort((a, b) => order(a[0], b[0]) || order(a[1], b[1])).map(([, line]) => line);
  };

  /** Base classes a user can see: exported from this entry point, or built in (Error). */
  const ancestors = (type: ts.InterfaceType): string[] => {
    const out: string[] = [];
    for (const base of checker.getBaseTypes(type)) {
      const sym = base.getSymbol();
      const visible = sym && (exportedTargets.has(sym) || (sym.getDeclarations() ?? []).some(inLib));
      if (visible) out.push(typeText(base));
      if (base.isClassOrInterface()) out.push(...ancestors(base));
    }
    return out;
  };

  const blocks: string[] = [];
  const block = (head: string, lines: string[] = []): void => void blocks.push([head, ...lines.map((l) => `  ${l}`)].join('\n'));

  for (const alias of [...exported].sort((a, b) => (a.getName() < b.getName() ? -1 : a.getName() > b.getName() ? 1 : 0))) {
    const name = alias.getName();
    const s = resolve(alias);
    const decls = s.getDeclarations() ?? [];
    if (decls.length > 0 && decls.every(isInternal)) continue;
    const f = s.flags;
    if (f & ts.SymbolFlags.Class) {
      const instance = checker.getDeclaredTypeOfSymbol(s) as ts.InterfaceType;
      const statics = checker.getTypeOfSymbol(s);
      const up = ancestors(instance);
      const ctor = checker.getSignaturesOfType(statics, ts.SignatureKind.Construct)
        .filter((sig) => !sig.declaration || !isInternal(sig.declaration))
        .map((sig) => `constructor${sigText(sig).replace(/ => .*$/s, '')}`);
      const abstract = decls.some((d) => ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Abstract) ? 'abstract ' : '';
      block(`${abstract}class ${name}${typeParams(decls)}${up.length ? ` extends ${up.join(' < ')}` : ''}`, [
        ...ctor,
        ...members(statics, (n) => n === 'prototype').map((l) => `static ${l}`).filter((l) => !l.startsWith('static new ')),
        ...members(instance, () => false),
      ]);
    }
    if (f & ts.SymbolFlags.Function) {
      const sigs = checker.getSignaturesOfType(checker.getTypeOfSymbol(s), ts.SignatureKind.Call);
      for (const sig of sigs) block(`function ${name}${sigText(sig)}`);
    }
    if (f & ts.SymbolFlags.Interface) {
      block(`interface ${name}${typeParams(decls.filter(ts.isInterfaceDeclaration))}`, members(checker.getDeclaredTypeOfSymbol(s), () => false));
    }
    if (f & ts.SymbolFlags.TypeAlias) {
      const decl = decls.find(ts.isTypeAliasDeclaration)!;
      const type = checker.getTypeAtLocation(decl.type);
      block(`type ${name}${typeParams([decl])} = ${clean(checker.typeToString(type, sf, PRINT | ts.TypeFormatFlags.InTypeAlias))}`);
    }
    if (f & ts.SymbolFlags.Variable) {
      const decl = decls.find(ts.isVariableDeclaration);
      const keyword = decl && decl.parent.flags & ts.NodeFlags.Const ? 'const' : decl && decl.parent.flags & ts.NodeFlags.Let ? 'let' : 'var';
      block(`${keyword} ${name}: ${typeText(checker.getTypeOfSymbol(s))}`);
    }
    if (f & ts.SymbolFlags.Enum) {
      const lines = (s.exports ? [...(s.exports.values() as Iterable<ts.Symbol>)] : []).map((m) => {
        const d = m.valueDeclaration as ts.EnumMember | undefined;
        const value = d ? checker.getConstantValue(d) : undefined;
        return `${m.getName()} = ${JSON.stringify(value)}`;
      });
      block(`enum ${name}`, lines);
    }
    if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
      const inner = checker.getExportsOfModule(s).map((m) => m.getName()).sort();
      block(`namespace ${name}`, inner);
    }
  }
  return `${blocks.join('\n')}\n`;
}
