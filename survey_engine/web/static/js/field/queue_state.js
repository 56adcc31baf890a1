// What a server reply means for an outbox item, and the item's next state.  Pure functions.
//
// Replies (the /field/api contract): 201/200 with the stored JSON → sent (remove); 409 →
// conflict (kept, shown, never deleted); 400/422 and other refusals → rejected (kept, shown
// with the server's message); 401 or a redirect to the sign-in page → the session expired
// (queue kept, sync paused); 400 about CSRF → fetch a fresh token and try again; 5xx, 408,
// 429, a network error or a 2xx that is not the stored JSON (a captive portal's page) →
// try again later with backoff.

import { backoffDelay } from "./backoff.js";

export const Outcome = Object.freeze({
  SENT: "sent", CONFLICT: "conflict", REJECTED: "rejected", AUTH: "auth", CSRF: "csrf", RETRY: "retry",
});

const RETRY_STATUSES = new Set([408, 425, 429]);

function mentionsCsrf(body) {
  if (body && typeof body === "object") {
    return String(body.error ?? "").toLowerCase() === "csrf" || /csrf/i.test(String(body.message ?? ""));
  }
  return typeof body === "string" && /csrf/i.test(body);
}

/** Classify a reply.  `status` 0 means a network error; `redirected` a reply that was a
 * redirect (fetch with redirect: "manual" gives an opaque redirect); `body` the parsed JSON
 * object, or the text when it was not JSON. */
export function classifyReply({ status, body = null, redirected = false }) {
  if (redirected) return Outcome.AUTH;
  if (status === 200 || status === 201) {
    return body && typeof body === "object" && !Array.isArray(body) ? Outcome.SENT : Outcome.RETRY;
  }
  if (status === 401) return Outcome.AUTH;
  if (status === 409) return Outcome.CONFLICT;
  if (status === 400 && mentionsCsrf(body)) return Outcome.CSRF;
  if (status === 0 || status >= 500 || RETRY_STATUSES.has(status)) return Outcome.RETRY;
  if (status >= 400) return Outcome.REJECTED;
  return Outcome.RETRY;  // 1xx/3xx/other 2xx: not the contract's answer; keep it and try later
}

/** The server's explanation, for the conflicts and rejected lists. */
export function replyMessage(status, body) {
  if (body && typeof body === "object") {
    const fields = body.fields && typeof body.fields === "object"
      ? Object.entries(body.fields).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
      : [];
    const head = body.message ?? body.error ?? `HTTP ${status}`;
    return [head, ...fields].join("; ");
  }
  const text = typeof body === "string" ? body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim() : "";
  return text ? `HTTP ${status}: ${text.slice(0, 200)}` : `HTTP ${status}`;
}

/** A new outbox item (state pending, due now); `user` is the id of the interviewer who made it. */
export function newItem(kind, uuid, body, { now = Date.now(), user = null } = {}) {
  return { key: `${kind}:${uuid}`, kind, uuid, body, user, tries: 0, next_try_at: now, state: "pending",
           message: null, created_at: now };
}

/**
 * The effect of `outcome` on `item`: {item, remove, pause, refreshCsrf}.
 * `item` is null when it leaves the queue (sent); `pause` stops the sync loop (session expired);
 * `refreshCsrf` asks for a fresh token before the immediate retry.
 */
export function applyOutcome(item, outcome, { now = Date.now(), random = Math.random, retryAfterMs = null,
                                              message = null } = {}) {
  switch (outcome) {
    case Outcome.SENT:
      return { item: null, remove: true, pause: false, refreshCsrf: false };
    case Outcome.CONFLICT:
    case Outcome.REJECTED:
      return { item: { ...item, state: outcome, tries: item.tries + 1, message, next_try_at: null },
               remove: false, pause: false, refreshCsrf: false };
    case Outcome.AUTH:
      return { item: { ...item }, remove: false, pause: true, refreshCsrf: false };
    case Outcome.CSRF: {
      // One immediate retry with a fresh token; repeated CSRF failures back off like errors.
      const tries = item.tries + 1;
      const wait = tries > 1 ? backoffDelay(tries - 1, { random }) : 0;
      return { item: { ...item, tries, next_try_at: now + wait }, remove: false, pause: false, refreshCsrf: true };
    }
    case Outcome.RETRY:
    default: {
      const tries = item.tries + 1;
      return { item: { ...item, tries, next_try_at: now + backoffDelay(tries, { random, retryAfterMs }), message },
               remove: false, pause: false, refreshCsrf: false };
    }
  }
}

/** Items due for sending at `now`, oldest first.  With `user`, only that interviewer's items
 * (on a shared tablet another interviewer's work waits for its own session: the server
 * credits an interview to whoever sends it). */
export function dueItems(items, now = Date.now(), user = null) {
  return items.filter((i) => i.state === "pending" && (i.next_try_at ?? 0) <= now
                             && (user === null || i.user === null || i.user === undefined || i.user === user))
    .sort((a, b) => a.created_at - b.created_at || a.key.localeCompare(b.key));
}

/** Earliest next_try_at of the pending items (null when none is waiting). */
export function nextWake(items) {
  const times = items.filter((i) => i.state === "pending").map((i) => i.next_try_at ?? 0);
  return times.length ? Math.min(...times) : null;
}

/** Count by state: {pending, conflict, rejected}. */
export function countStates(items) {
  const counts = { pending: 0, conflict: 0, rejected: 0 };
  for (const item of items) counts[item.state] = (counts[item.state] ?? 0) + 1;
  return counts;
}
