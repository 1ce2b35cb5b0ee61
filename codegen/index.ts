/**
 * warren/codegen: the generator as a library. `generate(options)` returns the files in memory
 * (relative path → content); the CLI (`warren-codegen`) writes them or checks them for drift.
 */
export { generate, buildModel, banner, DEFAULT_IMPORT_FROM, type GenerateOptions } from './generate.js';
export { checkFiles, writeFiles, type Drift } from './files.js';
export type { SpecSource } from './load.js';
export { SpecError } from './raw.js';
export type { RawElement } from './raw.js';
export type {
  Assert,
  Class,
  Constant,
  Direction,
  Documented,
  Domain,
  Field,
  FieldGroup,
  Method,
  PrimitiveType,
  Protocol,
  Rule,
} from './model.js';
export { DEFAULT_ASSERT_ENFORCEMENT, type EnforceableCheck } from './quirks.js';
