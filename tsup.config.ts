import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'runtime/index.ts',
      codec: 'runtime/exports/codec.ts',
      protocol: 'runtime/exports/protocol.ts',
      otel: 'runtime/otel/index.ts',
      codegen: 'codegen/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['fast-xml-parser', 'ts-morph', '@opentelemetry/api'],
  },
  {
    entry: { 'codegen-cli': 'codegen/cli.ts' },
    format: ['esm'],
    target: 'node20',
    external: ['fast-xml-parser', 'ts-morph'],
  },
]);
