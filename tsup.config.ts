import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'runtime/index.ts',
      codec: 'runtime/exports/codec.ts',
      protocol: 'runtime/exports/protocol.ts',
      otel: 'runtime/otel/index.ts',
      amqplib: 'runtime/amqplib/index.ts',
      'amqplib-callback-api': 'runtime/amqplib/callback-api.ts',
      testing: 'runtime/testing/index.ts',
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
  {
    // warren-inspect imports the package by its public name, as an outside tool would; Node
    // resolves `warren/codec` to dist/codec.js through the package's own `exports`.
    entry: { 'inspect-cli': 'tools/inspect/cli.ts' },
    format: ['esm'],
    target: 'node20',
    external: ['warren/codec'],
  },
]);
