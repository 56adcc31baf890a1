// Checks of the interviewer app's pure logic (no DOM): backoff, outbox state transitions,
// within-household selection, intercept slots and tallies, and the questionnaire walk.
//   node tests/web/js/field_logic.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { BASE_DELAY_MS, MAX_DELAY_MS, backoffDelay, parseRetryAfter } from "../../../survey_engine/web/static/js/field/backoff.js";
import { Outcome, applyOutcome, classifyReply, countStates, dueItems, newItem, nextWake, replyMessage } from "../../../survey_engine/web/static/js/field/queue_state.js";
import { DEFAULT_KISH, SelectionError, kishSelect, lastBirthdaySelect } from "../../../survey_engine/web/static/js/field/selection.js";
import { currentSlot, emptyTally, isSelectedVisitor, isoWithOffset, quotaFill, tap, visitorsToCount } from "../../../survey_engine/web/static/js/field/intercept.js";
import { shownPageIds, walk } from "../../../survey_engine/web/static/js/field/walk.js";
import { test, run } from "./harness.mjs";

const WINDOW = JSON.parse(readFileSync(new URL("../../../questionnaires/window_rating.json", import.meta.url), "utf-8"));

// -- backoff ----------------------------------------------------------------------------------

test("backoff doubles from 1 s and stops at 60 s, jitter only ever shortening to half", () => {
  const low = (n) => backoffDelay(n, { random: () => 0 });
  const high = (n) => backoffDelay(n, { random: () => 0.999999 });
  assert.equal(low(1), BASE_DELAY_MS / 2);
  assert.ok(Math.abs(high(1) - BASE_DELAY_MS) < 1);
  assert.ok(Math.abs(high(2) - 2000) < 1 && Math.abs(high(3) - 4000) < 1 && Math.abs(high(6) - 32000) < 1);
  assert.ok(Math.abs(high(7) - MAX_DELAY_MS) < 1);
  assert.ok(Math.abs(high(50) - MAX_DELAY_MS) < 1);
  assert.equal(low(50), MAX_DELAY_MS / 2);
  for (let n = 1; n < 40; n += 1) {
    const d = backoffDelay(n);
    assert.ok(d >= 500 && d <= MAX_DELAY_MS, `${n}: ${d}`);
  }
});

test("Retry-After is honoured (never undercut) in seconds or as an HTTP date, and capped at an hour", () => {
  assert.equal(backoffDelay(1, { random: () => 0, retryAfterMs: 30000 }), 30000);
  assert.equal(backoffDelay(7, { random: () => 0.999999, retryAfterMs: 1000 }) > 59000, true);
  assert.equal(backoffDelay(1, { random: () => 0, retryAfterMs: 1e12 }), 3600 * 1000);
  assert.equal(parseRetryAfter("120"), 120000);
  const now = Date.parse("2026-11-23T08:00:00Z");
  assert.equal(parseRetryAfter("Mon, 23 Nov 2026 08:00:30 GMT", now), 30000);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter("soon"), null);
});

// -- replies and queue states ---------------------------------------------------------------

test("replies are classified as the contract says", () => {
  const stored = { uuid: "u", id: 1, status: "complete", reason: null };
  assert.equal(classifyReply({ status: 201, body: stored }), Outcome.SENT);
  assert.equal(classifyReply({ status: 200, body: stored }), Outcome.SENT);
  assert.equal(classifyReply({ status: 200, body: "<html>wifi login</html>" }), Outcome.RETRY);
  assert.equal(classifyReply({ status: 409, body: { error: "uuid_conflict" } }), Outcome.CONFLICT);
  assert.equal(classifyReply({ status: 422, body: { error: "unknown_version" } }), Outcome.REJECTED);
  assert.equal(classifyReply({ status: 400, body: { error: "invalid_request" } }), Outcome.REJECTED);
  assert.equal(classifyReply({ status: 404, body: { error: "not_found" } }), Outcome.REJECTED);
  assert.equal(classifyReply({ status: 400, body: { error: "csrf" } }), Outcome.CSRF);
  assert.equal(classifyReply({ status: 400, body: "Bad Request: The CSRF token is missing." }), Outcome.CSRF);
  assert.equal(classifyReply({ status: 401, body: { error: "unauthorized" } }), Outcome.AUTH);
  assert.equal(classifyReply({ status: 0, redirected: true }), Outcome.AUTH);
  for (const status of [0, 500, 502, 503, 504, 408, 429]) assert.equal(classifyReply({ status }), Outcome.RETRY, String(status));
});

test("sent items leave the queue; conflicts and rejections stay with the server's message", () => {
  const item = newItem("interview", "u1", { answers: {} }, { now: 1000 });
  assert.equal(item.key, "interview:u1");
  assert.equal(item.state, "pending");
  assert.deepEqual(applyOutcome(item, Outcome.SENT).item, null);
  const conflict = applyOutcome(item, Outcome.CONFLICT, { message: "uuid_conflict" });
  assert.equal(conflict.remove, false);
  assert.equal(conflict.item.state, "conflict");
  assert.equal(conflict.item.message, "uuid_conflict");
  const msg = replyMessage(422, { error: "unknown_version", message: "not on the server", fields: { questionnaire_version: "unknown" } });
  assert.equal(msg, "not on the server; questionnaire_version: unknown");
  const rejected = applyOutcome(item, Outcome.REJECTED, { message: msg });
  assert.equal(rejected.item.state, "rejected");
  assert.equal(rejected.item.message, msg);
  assert.deepEqual(dueItems([conflict.item, rejected.item], 1e15), []);
});

test("network errors back off and count tries; the session expiring pauses without touching the item", () => {
  let item = newItem("attempt", "a", {}, { now: 0 });
  const waits = [];
  for (let i = 0; i < 8; i += 1) {
    const effect = applyOutcome(item, Outcome.RETRY, { now: 0, random: () => 0.999999 });
    item = effect.item;
    waits.push(Math.round(item.next_try_at / 1000));
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
  assert.equal(item.tries, 8);
  assert.equal(item.state, "pending");
  const auth = applyOutcome(item, Outcome.AUTH);
  assert.equal(auth.pause, true);
  assert.deepEqual(auth.item, item);
  const csrf = applyOutcome(newItem("tally", "t", {}, { now: 5 }), Outcome.CSRF, { now: 5 });
  assert.equal(csrf.refreshCsrf, true);
  assert.equal(csrf.item.next_try_at, 5);
});

test("due items come oldest first; the next wake-up is the earliest pending retry; states are counted", () => {
  const a = { ...newItem("interview", "a", {}, { now: 10 }), next_try_at: 50 };
  const b = { ...newItem("interview", "b", {}, { now: 5 }), next_try_at: 20 };
  const c = { ...newItem("tally", "c", {}, { now: 1 }), state: "conflict", next_try_at: null };
  assert.deepEqual(dueItems([a, b, c], 60).map((i) => i.uuid), ["b", "a"]);
  assert.deepEqual(dueItems([a, b, c], 30).map((i) => i.uuid), ["b"]);
  assert.equal(nextWake([a, b, c]), 20);
  assert.equal(nextWake([c]), null);
  assert.deepEqual(countStates([a, b, c]), { pending: 2, conflict: 1, rejected: 0 });
});

test("on a shared tablet only the signed-in interviewer's items are sent", () => {
  const mine = newItem("interview", "m", {}, { now: 1, user: 3 });
  const theirs = newItem("interview", "t", {}, { now: 1, user: 4 });
  const legacy = newItem("tally", "l", {}, { now: 1 });
  assert.deepEqual(dueItems([mine, theirs, legacy], 10, 3).map((i) => i.uuid), ["m", "l"]);
  assert.deepEqual(dueItems([mine, theirs, legacy], 10).map((i) => i.uuid), ["m", "t", "l"]);
});

// -- within-household selection ---------------------------------------------------------------

test("Kish tables pick the listed adult of Kish (1949) Table 1 with the exact probability", () => {
  assert.deepEqual(kishSelect(1, "A"), { method: "kish:A", eligible: 1, member: 1, probability: 1 });
  const two = kishSelect(2, "D");
  assert.equal(two.member, 2);
  assert.ok(Math.abs(two.probability - 0.5) < 1e-12);
  const three = kishSelect(3, "c");
  assert.equal(three.method, "kish:C");
  assert.equal(three.member, 2);
  assert.ok(Math.abs(three.probability - 1 / 3) < 1e-12);
  assert.equal(kishSelect(9, "F").member, 6);  // 6 or more adults: the last column
  for (const n of [1, 2, 3, 4, 6]) {
    // the shares give every adult probability 1/n for these household sizes
    const byMember = new Map();
    for (const table of Object.keys(DEFAULT_KISH.tables)) {
      const s = kishSelect(n, table);
      byMember.set(s.member, s.probability);
    }
    assert.equal(byMember.size, n, `n=${n}`);
    for (const p of byMember.values()) assert.ok(Math.abs(p - 1 / n) < 1e-12, `n=${n}: ${p}`);
  }
});

test("bad households and tables are refused with a message saying what is wrong", () => {
  assert.throws(() => kishSelect(0, "A"), SelectionError);
  assert.throws(() => kishSelect(2.5, "A"), /at least one eligible adult/);
  assert.throws(() => kishSelect(2, "Z"), /'Z' is not one of A, B1/);
  assert.deepEqual(lastBirthdaySelect(4, 3), { method: "last_birthday", eligible: 4, member: 3, probability: 0.25 });
  assert.throws(() => lastBirthdaySelect(2, 3), /between 1 and 2/);
});

// -- intercept --------------------------------------------------------------------------------

test("the running slot of the site is found by local time, else the next one, else none", () => {
  const slots = [
    { site: "w1", day: "2026-11-23", start: "09:00", end: "11:00", interval: 4 },
    { site: "w1", day: "2026-11-23", start: "14:00", end: "16:00", interval: 3 },
    { site: "w2", day: "2026-11-23", start: "09:00", end: "11:00", interval: 2 },
  ];
  assert.equal(currentSlot(slots, "w1", new Date(2026, 10, 23, 10, 59)).slot.start, "09:00");
  assert.deepEqual(currentSlot(slots, "w1", new Date(2026, 10, 23, 11, 0)).status, "next");
  assert.equal(currentSlot(slots, "w1", new Date(2026, 10, 23, 11, 0)).slot.start, "14:00");
  assert.equal(currentSlot(slots, "w1", new Date(2026, 10, 23, 16, 0)).status, "none");
  assert.equal(currentSlot(slots, "w1", new Date(2026, 10, 24, 10, 0)).status, "none");
});

test("the tally counts every visitor and restarts the k-th count after an interview, refusal or ineligible", () => {
  let tally = emptyTally();
  for (let i = 0; i < 3; i += 1) tally = tap(tally, "passed");
  assert.equal(isSelectedVisitor(tally, 4), false);
  tally = tap(tally, "passed");
  assert.equal(isSelectedVisitor(tally, 4), true);
  tally = tap(tally, "refusal");
  assert.deepEqual(tally, { passed: 4, refusals: 1, ineligible: 0, interviews: 0, since_last: 0 });
  tally = tap(tap(tap(tally, "passed"), "ineligible"), "interview");
  assert.deepEqual(tally, { passed: 5, refusals: 1, ineligible: 1, interviews: 1, since_last: 0 });
  assert.throws(() => tap(tally, "wave"), /unknown tap/);
});

test("the first approach of a slot comes after the random start, later ones every k-th visitor", () => {
  let tally = emptyTally();
  assert.equal(visitorsToCount(tally, 4, 2), 2);
  tally = tap(tap(tally, "passed"), "passed");
  assert.equal(isSelectedVisitor(tally, 4, 2), true);
  tally = tap(tally, "interview");
  assert.equal(visitorsToCount(tally, 4, 2), 4);
  tally = tap(tap(tally, "passed"), "passed");
  assert.equal(isSelectedVisitor(tally, 4, 2), false);
  assert.equal(visitorsToCount(emptyTally(), 4, 9), 4);  // a random start outside 1..k is ignored
  assert.equal(visitorsToCount(emptyTally(), 4, null), 4);
});

test("quota fill adds the local completes to the server's count", () => {
  const fill = quotaFill([{ variable: "respondent_type", code: "enterprise", target: 3, done: 2 }],
                         [{ respondent_type: "enterprise" }, { respondent_type: "individual" }]);
  assert.deepEqual([fill[0].local, fill[0].filled, fill[0].full], [1, 3, true]);
});

test("device times carry the local offset", () => {
  assert.match(isoWithOffset(new Date(2026, 10, 23, 9, 5, 7)), /^2026-11-23T09:05:07[+-]\d\d:\d\d$/);
});

// -- the questionnaire walk -------------------------------------------------------------------

test("window rating: a bad rating opens the follow-up page and the calculation is filled in", () => {
  const good = walk(WINDOW, { site: "centre_main", window_no: "3", service_handled: "patent_fee", overall: "5" }, { mode: "intercept" });
  assert.deepEqual(shownPageIds(good), ["rating", "end"]);
  assert.deepEqual(good.answers, { site: "centre_main", window_no: 3, service_handled: "patent_fee", overall: 5, bad_rating: 0 });
  assert.deepEqual(good.problems, []);
  const bad = walk(WINDOW, { site: "centre_main", service_handled: "patent_fee", overall: "1" }, { mode: "intercept" });
  assert.deepEqual(shownPageIds(bad), ["rating", "bad_rating_followup", "end"]);
  assert.deepEqual(bad.problems.map((p) => [p.answerId, p.code, p.page]), [["bad_reasons", "required", "bad_rating_followup"]]);
});

test("online mode hides interviewer questions; hidden answers are discarded; checks give bilingual messages", () => {
  const online = walk(WINDOW, { site: "centre_main", service_handled: "consultation", overall: 4 }, { mode: "online", language: "en" });
  assert.equal("site" in online.answers, false);
  const wrong = walk(WINDOW, { site: "other", window_no: "200", service_handled: "other", overall: "1",
                               bad_reasons: ["slow"], followup_consent: "yes", phone: "123" }, { mode: "intercept", language: "en" });
  const codes = Object.fromEntries(wrong.problems.map((p) => [p.answerId, p.code]));
  assert.deepEqual(codes, { "site/other": "specify_missing", "service_handled/other": "specify_missing", phone: "pattern" });
  assert.equal("window_no" in wrong.answers, false);  // not relevant when the site is 'other'
  assert.match(wrong.problems.find((p) => p.answerId === "phone").message, /11-digit/);
});

run();
