// The README's client snippets run as written against the real broker: the `ts` blocks of
// "Using the client" are joined into one script (imports from 'warren' mapped to the source,
// the URL pointed at the test broker, `fib` supplied, the connection closed last) and run with tsx.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { amqpUrl } from './helpers/broker.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function clientSnippets(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Using the client'), readme.indexOf('## The codec on its own'));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  return blocks.join('\n');
}

it('the client snippets of the README run against the broker', () => {
  const url = amqpUrl().replace(/\/$/, '');
  let code = clientSnippets()
    .replace(/import \{([^}]*)\} from 'warren';/g, 'const {$1} = warren;')
    .replace(/'amqp:\/\/guest:guest@localhost:5672(\/[^']*)'/g, (_m, rest: string) => `'${url}${rest}'`);
  expect(code).not.toContain('localhost:5672');
  // The first block ends by closing the connection that the next blocks go on using: close last.
  code = code.replace(/^await connection\.close\(\);.*$/m, '');
  code = [
    `import * as warren from '${root}runtime/index.ts';`,
    'const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));',
    code,
    'await connection.close();',
    "console.log('README SNIPPETS OK');",
  ].join('\n');
  mkdirSync(`${root}.tmp`, { recursive: true });
  const file = `${root}.tmp/readme-snippets.ts`;
  writeFileSync(file, code);
  const out = execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(out).toContain('README SNIPPETS OK');
}, 90_000);
