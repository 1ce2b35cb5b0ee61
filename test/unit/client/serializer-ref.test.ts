/**
 * Issue 20 item 6: a typed Serializer object fits the `serializer` option of a publish without a
 * cast. `SerializerRef` was `string | Serializer<never>`, which no typed serializer matched (its
 * `decode` returns a value, and only `never` is assignable to `never`), not even the exported
 * `jsonSerializer`. Checked by the TypeScript compiler itself, on a small program that uses the
 * public API as an application would.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

it('jsonSerializer, textSerializer and a Serializer<string> of ours are accepted as publish options without a cast', () => {
  const file = `${ROOT}test/unit/client/__serializer-ref-program.ts`;
  const source = `
    import { jsonSerializer, textSerializer, type PublishOptions, type Serializer } from 'warren';
    const upper: Serializer<string> = {
      contentType: 'text/x-upper',
      encode: (value: string) => new TextEncoder().encode(value.toUpperCase()),
      decode: (body: Uint8Array) => new TextDecoder().decode(body),
    };
    export const options: PublishOptions[] = [{ serializer: jsonSerializer }, { serializer: textSerializer }, { serializer: upper }, { serializer: 'application/json' }];
  `;
  const config = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json could not be read');
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
}, 120_000);
