/**
 * setupFiles of the `warren-testing` project: skips, with its reason as the skip note, each test
 * that test/testing/differential.ts lists as not applicable to warren/testing. The skip shows in
 * the report (never a silent pass).
 */
import { beforeEach, type TestContext } from 'vitest';
import { TESTS_NOT_ON_TEST_BROKER } from './differential.js';

function fullName(task: TestContext['task']): string {
  const names: string[] = [task.name];
  for (let s = task.suite; s; s = s.suite) names.unshift(s.name);
  return [task.file.name, ...names].join(' > ');
}

beforeEach((context) => {
  const reason = TESTS_NOT_ON_TEST_BROKER[fullName(context.task)];
  if (reason !== undefined) context.skip(`not run on warren/testing: ${reason}`);
});
