/**
 * Renewal of an expiring secret (e.g. an OAuth 2 token): when the credentials function said
 * when its secret expires, ask it again a little before then and hand the new secret to the
 * broker with connection.update-secret (RabbitMQ), on the open connection. One timer at a
 * time, not keeping the process alive; it is cancelled when the connection is lost or closed
 * (a reconnect calls the credentials function anyway).
 */
import type { CredentialsProvider } from './options.js';

/** How long before `expiresAt` to renew: a fifth of the remaining validity, between 1 s and 60 s. */
export function renewalDelay(expiresAt: number, now: number): number {
  const left = expiresAt - now;
  const margin = Math.min(60_000, Math.max(1_000, left / 5));
  return Math.max(0, left - margin);
}

/** Schedules renewals from `expiresAt` on; returns the function that cancels them. */
export function scheduleRenewal(expiresAt: number, provider: CredentialsProvider, update: (secret: string) => Promise<void>, onError: (e: unknown) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const arm = (at: number): void => {
    timer = setTimeout(() => void renew(), Math.min(renewalDelay(at, Date.now()), 2 ** 31 - 1));
    (timer as { unref?: () => void }).unref?.();
  };
  const renew = async (): Promise<void> => {
    try {
      const c = await provider();
      if (cancelled) return;
      await update(c.password);
      if (!cancelled && c.expiresAt !== undefined) arm(+c.expiresAt);
    } catch (e) {
      if (!cancelled) onError(e);
    }
  };
  arm(expiresAt);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
