// Adapter: warren/amqplib, warren's amqplib compat layer (issue 17). The amqplib adapter's code
// (adapters/amqplib.mjs) with only the module changed: the same application code on amqplib and
// on warren, so the two rows compare the libraries and nothing else.
// Needs the build: `npm run build` (bench scripts do it) so that dist/ exists.
import { readFileSync } from 'node:fs';
import * as amqplib from '../../../dist/amqplib.js';
import { connectWith } from './amqplib.mjs';

export const name = 'amqplib-compat';
export const pkg = 'warren/amqplib';
export const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
export const connect = connectWith(amqplib);
