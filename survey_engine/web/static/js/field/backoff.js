// When to try a failed send again: exponential backoff from 1 s doubling to at most 60 s,
// with "equal jitter" (half fixed, half random) so a room of tablets coming back online
// together does not hammer the server in lock-step; a server's Retry-After is honoured.
// Pure functions: node tests them without a browser.

export const BASE_DELAY_MS = 1000;
export const MAX_DELAY_MS = 60000;
/** A Retry-After longer than this is treated as this (a mistaken header must not park a device for days). */
export const MAX_RETRY_AFTER_MS = 3600 * 1000;

/** Delay in ms before try number `failures + 1`, after `failures` (>= 1) failed tries.
 * `random` returns [0, 1); `retryAfterMs` (or null) is the server's wish, never undercut. */
export function backoffDelay(failures, { random = Math.random, retryAfterMs = null } = {}) {
  const exponent = Math.max(0, Math.min(30, Math.floor(failures) - 1));
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** exponent);
  const delay = ceiling / 2 + random() * (ceiling / 2);
  if (retryAfterMs === null || retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return delay;
  return Math.max(delay, Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS));
}

/** Retry-After (delta seconds or an HTTP date) in ms from `nowMs`; null when absent or unreadable. */
export function parseRetryAfter(header, nowMs = Date.now()) {
  if (header === null || header === undefined) return null;
  const text = String(header).trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  return Number.isNaN(when) ? null : Math.max(0, when - nowMs);
}
