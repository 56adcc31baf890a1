// Checks of skip_logic.js: the pure answer reading and relevance decisions, and the DOM
// wiring on a small stand-in DOM (node has no DOM):  node tests/web/js/skip_logic_checks.mjs

import assert from "node:assert/strict";

import {
  attachSkipLogic, collectAnswers, constraintMessage, decide, readAnswer,
} from "../../../survey_engine/web/static/js/skip_logic.js";
import { test, run } from "./harness.mjs";
import { element, form as makeForm } from "./fake_dom.mjs";

// -- reading answers as the server does (instruments/answer_values.py) ---------------------

test("multiple choice gives the list of chosen codes, trimmed, blanks and repeats dropped", () => {
  assert.deepEqual(readAnswer(["a", " b ", "", "a"], { multiple: true }), ["a", "b"]);
  assert.deepEqual(readAnswer(["x"], { type: "multiple_choice" }), ["x"]);
  assert.equal(readAnswer([], { multiple: true }), null);
  assert.equal(readAnswer(["  "], { multiple: true }), null);
});

test("rating, NPS and matrix give whole numbers, and keep a not-applicable code as text", () => {
  assert.equal(readAnswer(["4"], { type: "rating" }), 4);
  assert.equal(readAnswer([" 10 "], { type: "nps" }), 10);
  assert.equal(readAnswer(["NA"], { type: "matrix" }), "NA");
});

test("integer needs a whole number and decimal any number; unreadable numbers are unanswered", () => {
  assert.equal(readAnswer(["12"], { type: "integer" }), 12);
  assert.equal(readAnswer(["１２"], { type: "integer" }), 12);
  assert.equal(readAnswer(["12.5"], { type: "integer" }), null);
  assert.equal(readAnswer(["abc"], { type: "integer" }), null);
  assert.equal(readAnswer(["12,5"], { type: "decimal" }), 12.5);
  assert.equal(readAnswer(["3，25"], { type: "decimal" }), 3.25);
  assert.equal(readAnswer(["0x10"], { type: "decimal" }), null);
  assert.equal(readAnswer(["Infinity"], { type: "decimal" }), null);
  assert.equal(readAnswer(["1e3"], { type: "decimal" }), 1000);
});

test("dates must be real calendar dates and come back as YYYY-MM-DD", () => {
  assert.equal(readAnswer(["2024-02-29"], { type: "date" }), "2024-02-29");
  assert.equal(readAnswer(["20240229"], { type: "date" }), "2024-02-29");
  assert.equal(readAnswer(["0099-01-01"], { type: "date" }), "0099-01-01");
  assert.equal(readAnswer(["2023-02-29"], { type: "date" }), null);
  assert.equal(readAnswer(["15/06/2024"], { type: "date" }), null);
});

test("text and single choice give the trimmed text; blank is unanswered", () => {
  assert.equal(readAnswer(["  hello "], {}), "hello");
  assert.equal(readAnswer(["   "], { type: "text" }), null);
  assert.equal(readAnswer([], {}), null);
});

test("collectAnswers merges fields of one name (radio groups, checkboxes) and leaves out the unanswered", () => {
  const answers = collectAnswers([
    { name: "q1", values: [], type: "single_choice" },
    { name: "q1", values: ["b"], type: "single_choice" },
    { name: "q2", values: ["x"], multiple: true },
    { name: "q2", values: [], multiple: true },
    { name: "q2", values: ["z"], multiple: true },
    { name: "q3", values: [""], type: "text" },
    { name: "q4", values: ["7"], type: "rating" },
  ]);
  assert.deepEqual(answers, { q1: "b", q2: ["x", "z"], q4: 7 });
});

// -- relevance decisions ---------------------------------------------------------------

const page = (overrides = {}) => [
  { parent: null, relevance: null, answerId: "visited", answers: { visited: "yes" }, ids: ["visited"] },
  { parent: null, relevance: "{visited} = 'yes'", answerId: "overall", answers: { overall: 2 }, ids: ["overall"] },
  { parent: null, relevance: "{visited} = 'yes' and {overall} <= 2", answerId: "why", answers: { why: "slow" }, ids: ["why"] },
  ...(overrides.extra ?? []),
];

test("relevance is decided in document order on the answers so far", () => {
  const decision = decide(page());
  assert.deepEqual(decision.relevant, [true, true, true]);
  assert.deepEqual(decision.answers, { visited: "yes", overall: 2, why: "slow" });
});

test("a question that is not relevant is hidden, its answer dropped, and questions depending on it follow", () => {
  const nodes = page();
  nodes[0].answers = { visited: "no" };
  const decision = decide(nodes);
  assert.deepEqual(decision.relevant, [true, false, false]);
  assert.deepEqual(decision.answers, { visited: "no" });
});

test("an empty relevance result hides, and an expression error hides and is reported", () => {
  const decision = decide([
    { parent: null, relevance: "{missing} > 1", answers: {} },
    { parent: null, relevance: "{name} + 1 > 2", answers: {} },
    { parent: null, relevance: "{name} = 'Li'", answers: {} },
  ], { prior: { name: "Li" } });
  assert.deepEqual(decision.relevant, [false, false, true]);
  assert.equal(decision.errors.length, 1);
  assert.equal(decision.errors[0].error.code, "TYPE_ERROR");
});

test("a block that is not relevant hides everything inside it", () => {
  const decision = decide([
    { parent: null, relevance: "{consent}", answers: {} },
    { parent: 0, relevance: null, answerId: "q1", answers: { q1: "a" }, ids: ["q1"] },
    { parent: 0, relevance: "true", answerId: "q2", answers: { q2: "b" }, ids: ["q2"] },
    { parent: null, relevance: "empty({q1})", answers: {} },
  ], { prior: { consent: false } });
  assert.deepEqual(decision.relevant, [false, false, false, true]);
});

test("earlier-page answers are visible, but ids on this page are read from the page only", () => {
  const decision = decide([
    { parent: null, relevance: "{age} >= 18", answerId: "job", answers: {}, ids: ["job"] },
    { parent: null, relevance: "empty({job})", answerId: "why", answers: {}, ids: ["why"] },
  ], { prior: { age: 30, job: "stale" } });
  assert.deepEqual(decision.relevant, [true, true]);
  assert.deepEqual(decision.answers, { age: 30 });
});

test("a later question's answer is not seen by an earlier relevance (as on the server)", () => {
  const decision = decide([
    { parent: null, relevance: "not_empty({later})", answers: {} },
    { parent: null, relevance: null, answerId: "later", answers: { later: "x" }, ids: ["later"] },
  ]);
  assert.deepEqual(decision.relevant, [false, true]);
});

test("calculations are stored in order and can drive later relevance; now fixes today()", () => {
  const decision = decide([
    { parent: null, relevance: null, answerId: "a", answers: { a: 2, b: 3 }, ids: ["a", "b"] },
    { parent: null, calculation: "sum({a}, {b})", answerId: "total", answers: {} },
    { parent: null, relevance: "{total} > 4 and today() = '2024-06-15'", answers: {} },
  ], { now: "2024-06-15T08:00:00" });
  assert.deepEqual(decision.relevant, [true, true, true]);
  assert.equal(decision.answers.total, 5);
});

test("constraints pass when true, fail when false, and are not checked while their answer is empty", () => {
  const decision = decide([
    { parent: null, answerId: "total", answers: { total: 10 }, ids: ["total"] },
    { parent: null, answerId: "part", answers: { part: 12 }, ids: ["part"],
      constraints: [{ answerId: "part", expression: "{.} <= {total}" }] },
    { parent: null, answerId: "other", answers: {}, ids: ["other"],
      constraints: [{ answerId: "other", expression: "{.} <= {total}" }] },
    { parent: null, answerId: "phone", answers: { phone: "13912345678" }, ids: ["phone"],
      constraints: [{ answerId: "phone", expression: "regex({.}, '1[3-9][0-9]{9}')" }] },
  ]);
  assert.deepEqual(decision.constraints.map((c) => [c.answerId, c.ok]), [["part", false], ["other", null], ["phone", true]]);
});

test("an empty constraint result passes and an erroneous one is left to the server", () => {
  const decision = decide([
    { parent: null, answerId: "q", answers: { q: 3 }, ids: ["q"],
      constraints: [{ answerId: "q", expression: "if({.} > 0, {missing}, false)" }, { answerId: "q", expression: "{.} + 'x'" }] },
  ]);
  assert.deepEqual(decision.constraints.map((c) => c.ok), [true, null]);
  assert.equal(decision.errors.length, 1);
});

test("constraint messages follow the page language and fall back to the other language", () => {
  assert.equal(constraintMessage({ zh: "不能超过总数", en: "At most the total" }, "en"), "At most the total");
  assert.equal(constraintMessage({ zh: "不能超过总数" }, "en"), "不能超过总数");
  assert.equal(constraintMessage({}, "zh"), "此答案不符合要求，请检查。");
});

// -- DOM wiring on the stand-in DOM ------------------------------------------------------

function survey() {
  const visitedYes = element("input", { name: "visited", type: "radio", value: "yes" });
  const visitedNo = element("input", { name: "visited", type: "radio", value: "no" });
  const overall = element("input", { name: "overall", type: "text", data: { type: "rating" } });
  const why = element("textarea", { name: "why", value: "slow" });
  const services = [element("input", { name: "services", type: "checkbox", value: "search" }),
    element("input", { name: "services", type: "checkbox", value: "agency" })];
  const share = element("input", { name: "share", type: "text", data: {
    type: "integer", constraint: "{.} <= 100", constraintMessageZh: "不能超过 100", constraintMessageEn: "At most 100",
  } });
  const token = element("input", { name: "csrf_token", type: "hidden", value: "t" });
  const qVisited = element("div", { data: { answerId: "visited" } }, [visitedYes, visitedNo]);
  const qOverall = element("div", { data: { answerId: "overall", relevance: "{visited} = 'yes'" } }, [overall]);
  const qWhy = element("div", { data: { answerId: "why", relevance: "{overall} <= 2" } }, [why]);
  const qServices = element("div", { data: { answerId: "services" } }, services);
  const block = element("section", { data: { relevance: "selected({services}, 'agency')" } }, [
    element("div", { data: { answerId: "share" } }, [share]),
  ]);
  const form = makeForm({ data: { skipLogic: "", answers: "{\"region\": \"east\"}" } },
    [token, qVisited, qOverall, qWhy, qServices, block]);
  return { form, visitedYes, visitedNo, overall, why, services, share, qOverall, qWhy, block };
}

test("attaching hides non-relevant containers and disables their inputs", () => {
  const s = survey();
  attachSkipLogic(s.form, { language: "en" });
  assert.equal(s.qOverall.hidden, true);
  assert.equal(s.overall.disabled, true);
  assert.equal(s.qWhy.hidden, true);
  assert.equal(s.why.disabled, true);
  assert.equal(s.block.hidden, true);
  assert.equal(s.share.disabled, true);
});

test("input and change events re-evaluate relevance live and re-enable what becomes relevant", () => {
  const s = survey();
  attachSkipLogic(s.form, { language: "en" });
  s.visitedYes.checked = true;
  s.form.dispatch("change");
  assert.equal(s.qOverall.hidden, false);
  assert.equal(s.overall.disabled, false);
  assert.equal(s.qWhy.hidden, true, "empty rating: {overall} <= 2 is false");
  s.overall.value = "2";
  s.form.dispatch("input");
  assert.equal(s.qWhy.hidden, false);
  assert.equal(s.why.disabled, false);
  s.visitedYes.checked = false;
  s.visitedNo.checked = true;
  s.form.dispatch("change");
  assert.equal(s.qOverall.hidden, true);
  assert.equal(s.qWhy.hidden, true, "a hidden rating's answer is not used");
});

test("constraint messages are set with setCustomValidity in the page language and cleared again", () => {
  const s = survey();
  attachSkipLogic(s.form, { language: "en" });
  s.services[1].checked = true;
  s.share.value = "150";
  s.form.dispatch("input");
  assert.equal(s.block.hidden, false);
  assert.equal(s.share.validationMessage, "At most 100");
  assert.equal(s.share.getAttribute("aria-invalid"), "true");
  const note = s.share.parentElement.children[1];
  assert.equal(note.getAttribute("data-constraint-feedback"), "");
  assert.equal(note.textContent, "At most 100");
  assert.equal(note.hidden, false);
  assert.equal(s.share.getAttribute("aria-describedby"), "share-live-error");
  s.share.value = "80";
  s.form.dispatch("input");
  assert.equal(s.share.validationMessage, "");
  assert.equal(s.share.getAttribute("aria-invalid"), null);
  assert.equal(note.hidden, true);
  assert.equal(s.share.parentElement.children.length, 2, "the message element is reused");
  s.share.value = "150";
  s.form.dispatch("input");
  s.services[1].checked = false;
  s.form.dispatch("change");
  assert.equal(s.share.disabled, true);
  assert.equal(s.share.validationMessage, "", "a hidden question blocks nothing");
});

test("a server-rendered aria-invalid (another error) is left alone when the constraint passes", () => {
  const s = survey();
  s.share.setAttribute("aria-invalid", "true");
  attachSkipLogic(s.form, { language: "en" });
  s.services[1].checked = true;
  s.share.value = "5";
  s.form.dispatch("input");
  assert.equal(s.share.getAttribute("aria-invalid"), "true");
});

test("matrix items: each item container has its own relevance and its value type comes from the question", () => {
  const itemA = element("input", { name: "m_a", type: "radio", value: "4", checked: true });
  const itemB = element("input", { name: "m_b", type: "radio", value: "NA", checked: true });
  const rowA = element("fieldset", { data: { answerId: "m_a" } }, [itemA]);
  const rowB = element("fieldset", { data: { answerId: "m_b", relevance: "{m_a} >= 4" } }, [itemB]);
  const follow = element("div", { data: { answerId: "f", relevance: "{m_a} = 4 and {m_b} = 'NA'" } },
    [element("input", { name: "f", value: "" })]);
  const f = makeForm({ data: { skipLogic: "" } }, [
    element("div", { data: { answerId: "m", type: "matrix" } }, [element("fieldset", {}, [rowA, rowB])]), follow,
  ]);
  const decision = attachSkipLogic(f).refresh();
  assert.deepEqual(decision.answers, { m_a: 4, m_b: "NA" });
  assert.equal(rowB.hidden, false);
  assert.equal(follow.hidden, false);
});

test("a calculated value from the server is kept unless the page recomputes it", () => {
  const kept = decide([{ parent: null, answerId: "total", answers: {} }, { parent: null, relevance: "{total} > 4", answers: {} }],
    { prior: { total: 5 } });
  assert.deepEqual(kept.relevant, [true, true]);
  const recomputed = decide([
    { parent: null, answerId: "total", calculation: "sum({a})", answers: {} },
    { parent: null, relevance: "{total} > 4", answers: {} },
  ], { prior: { total: 5, a: 1 } });
  assert.deepEqual(recomputed.relevant, [true, false]);
});

test("inputs the page disabled itself stay disabled and are not read", () => {
  const s = survey();
  s.visitedYes.checked = true;
  s.visitedYes.disabled = true;
  s.visitedNo.disabled = true;
  const handle = attachSkipLogic(s.form);
  assert.equal(s.qOverall.hidden, true);
  assert.equal(s.visitedYes.disabled, true);
  handle.detach();
  assert.equal(s.form.listenerCount(), 0);
});

test("the language defaults to the form's data-language, then <html lang>", () => {
  const s = survey();
  s.form.dataset.language = "zh";
  attachSkipLogic(s.form);
  s.services[1].checked = true;
  s.share.value = "101";
  s.form.dispatch("input");
  assert.equal(s.share.validationMessage, "不能超过 100");
});

run();
