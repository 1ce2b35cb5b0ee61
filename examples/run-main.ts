/**
 * Shared by the examples: run `main(AMQP_URL)` when the file is executed directly
 * (`npx tsx examples/<file>.ts`), and print what it returned. Imported by a test, it does nothing.
 */
import { pathToFileURL } from 'node:url';

export function runMain(moduleUrl: string, main: (url: string) => Promise<unknown>): void {
  const entry = process.argv[1];
  if (!entry || pathToFileURL(entry).href !== moduleUrl) return;
  main(process.env.AMQP_URL ?? 'amqp://localhost').then(
    (result) => console.log(result),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
