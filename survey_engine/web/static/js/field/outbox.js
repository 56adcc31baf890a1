// The outbox: everything the device must tell the server (interviews, visit attempts,
// tallies, corrections) waits in IndexedDB until the server has answered 200/201.  Sync runs
// at start, when the browser comes online, on a timer and on demand; failures back off
// (backoff.js); conflicts and rejections stay visible, never deleted; an expired session
// pauses sending until the interviewer signs in again; a CSRF refusal fetches a fresh token.

import { Outcome, applyOutcome, classifyReply, countStates, dueItems, newItem, nextWake, replyMessage } from "./queue_state.js";
import { parseRetryAfter } from "./backoff.js";
import { STORES, allValues, deleteValue, putValue } from "./store.js";

const PATHS = {
  interview: () => "/field/api/interviews",
  attempt: () => "/field/api/attempts",
  tally: () => "/field/api/tallies",
  correction: (item) => `/field/api/interviews/${encodeURIComponent(item.uuid)}/correction`,
};
const REQUEST_TIMEOUT_MS = 30000;
const IDLE_CHECK_MS = 30000;

export class Outbox {
  /** getCsrf(): current token; refreshCsrf(): fetch a new one (returns it or null); getUser():
   * id of the signed-in interviewer (null when unknown);
   * onChange({pending, conflict, rejected, paused, items}); onSent(item, body). */
  constructor({ getCsrf, refreshCsrf, getUser = () => null, onChange = () => {}, onSent = () => {},
                fetchImpl = (...a) => fetch(...a) }) {
    Object.assign(this, { getCsrf, refreshCsrf, getUser, onChange, onSent, fetchImpl });
    this.paused = false;
    this.running = null;
    this.timer = null;
  }

  async items() {
    return allValues(STORES.outbox);
  }

  async notify() {
    const items = await this.items();
    this.onChange({ ...countStates(items), paused: this.paused, items });
    return items;
  }

  /** Queue an item (kind interview | attempt | tally | correction) and try to send it. */
  async add(kind, uuid, body) {
    if (kind === "tally") {
      // Tallies are cumulative: a newer count of the same slot replaces any unsent older one.
      const slot = (b) => [b.campaign, b.site, b.day, b.slot_start].join("|");
      for (const old of await this.items()) {
        if (old.kind === "tally" && old.state === "pending" && slot(old.body) === slot(body)) {
          await deleteValue(STORES.outbox, old.key);
        }
      }
    }
    const item = newItem(kind, uuid, body, { user: this.getUser() });
    await putValue(STORES.outbox, item);
    await this.notify();
    this.kick();
    return item;
  }

  /** Put a conflict or rejected item back in the queue (the interviewer asked to send it again). */
  async retry(key) {
    const item = (await this.items()).find((i) => i.key === key);
    if (!item) return;
    await putValue(STORES.outbox, { ...item, state: "pending", next_try_at: Date.now() });
    await this.notify();
    this.kick();
  }

  start() {
    window.addEventListener("online", () => this.kick({ all: true }));
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") this.kick(); });
    this.kick();
  }

  /** Signed in again: sending resumes. */
  resume() {
    this.paused = false;
    this.kick({ all: true });
  }

  /** Run a sync pass now; `all` also sends items still waiting out their backoff (the
   * network just came back or the interviewer asked). */
  kick({ all = false } = {}) {
    this.all = this.all || all;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const everything = this.all;
    this.all = false;
    this.running = this.runExclusive(everything).finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  async runExclusive(all) {
    // One tab at a time sends (another tab's sends are harmless, but wasteful).
    if (navigator.locks?.request) return navigator.locks.request("survey-engine-field-sync", () => this.syncOnce(all));
    return this.syncOnce(all);
  }

  schedule(items) {
    clearTimeout(this.timer);
    if (this.paused) return;
    const wake = nextWake(items);
    const delay = wake === null ? IDLE_CHECK_MS : Math.max(50, Math.min(wake - Date.now(), IDLE_CHECK_MS));
    this.timer = setTimeout(() => this.kick(), delay);
  }

  async syncOnce(all = false) {
    let items = await this.notify();
    if (this.paused) return;
    if (!navigator.onLine) {
      // Known offline: no try is spent (the backoff would only grow); the online event wakes us.
      this.schedule(items);
      return;
    }
    for (const item of dueItems(items, all ? Infinity : Date.now(), this.getUser())) {
      const outcome = await this.sendOne(item);
      if (outcome === Outcome.AUTH) break;
      if (outcome === Outcome.RETRY && !navigator.onLine) break;
    }
    items = await this.notify();
    this.schedule(items);
  }

  async post(item) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await this.fetchImpl(PATHS[item.kind](item), {
        method: "POST", credentials: "same-origin", redirect: "manual", signal: controller.signal, cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.getCsrf() ?? "" },
        body: JSON.stringify(item.body),
      });
      const text = await response.text();
      let body = text;
      try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
      const redirected = response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400);
      return { status: response.status, body, redirected, retryAfter: parseRetryAfter(response.headers.get("Retry-After")) };
    } catch {
      return { status: 0, body: null, redirected: false, retryAfter: null };
    } finally {
      clearTimeout(timer);
    }
  }

  async sendOne(item, csrfRetried = false) {
    const reply = await this.post(item);
    const outcome = classifyReply(reply);
    const message = outcome === Outcome.RETRY && reply.status === 0 ? "network" : replyMessage(reply.status, reply.body);
    const effect = applyOutcome(item, outcome, { retryAfterMs: reply.retryAfter, message });
    if (effect.remove) {
      await deleteValue(STORES.outbox, item.key);
      await this.onSent(item, reply.body);
    } else {
      await putValue(STORES.outbox, effect.item);
    }
    if (effect.pause) this.paused = true;
    if (effect.refreshCsrf && !csrfRetried) {
      const token = await this.refreshCsrf();
      if (token) return this.sendOne(effect.item, true);
    }
    return outcome;
  }
}
