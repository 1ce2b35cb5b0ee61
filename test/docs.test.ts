// Every public name has API docs: TypeDoc's validation (notDocumented, notExported, invalidLink,
// configured in typedoc.json over every entry point of the package) must report nothing.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('typedoc finds every public name documented and every reference exported', () => {
  let output = '';
  try {
    output = execFileSync(process.execPath, ['node_modules/typedoc/bin/typedoc', '--emit', 'none', '--treatValidationWarningsAsErrors', '--treatWarningsAsErrors'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    expect.fail(`typedoc reported problems:\n${output}`);
  }
  expect(output).not.toMatch(/warning|error/i);
}, 180_000);
