// Focused checks of the expressions.js API the questionnaire page relies on (the language
// itself is covered by run_vectors.mjs):  node tests/web/js/api_checks.mjs

import assert from "node:assert/strict";

import {
  evaluate, Expression, ExpressionError, ExpressionErrorCode, FUNCTIONS, MAX_DEPTH, MAX_LENGTH,
  checkPattern, fullMatch, parse, toBool,
} from "../../../survey_engine/web/static/js/expressions.js";
import { test, run } from "./harness.mjs";

function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new assert.AssertionError({ message: "expected an ExpressionError" });
}

test("parse once, evaluate many: one Expression gives each answer set its own result", () => {
  const e = parse("{.} <= {total} and not selected({q5}, 'none')");
  assert.ok(e instanceof Expression);
  assert.equal(e.evaluate({ total: 10, q5: ["a"] }, { current: 7 }), true);
  assert.equal(e.evaluate({ total: 10, q5: ["none"] }, { current: 7 }), false);
  assert.equal(e.evaluate({ total: 5, q5: ["a"] }, { current: 7 }), false);
  assert.equal(e.evaluate({}, { current: 7 }), false);
});

test("parse is cached: the same text gives the same frozen object", () => {
  const e = parse("{a} + 1");
  assert.equal(parse("{a} + 1"), e);
  assert.ok(Object.isFrozen(e));
  assert.throws(() => { e.references.push("x"); }, TypeError);
});

test("references lists {id} names sorted and without {.}; usesCurrent and functions are reported", () => {
  const e = parse("{.} <= {total} and not selected({q5}, 'none') or {total} > 1");
  assert.deepEqual([...e.references], ["q5", "total"]);
  assert.equal(e.usesCurrent, true);
  assert.deepEqual([...e.functions], ["selected"]);
  assert.equal(parse("1 + 2").usesCurrent, false);
  assert.deepEqual([...parse("1 + 2").references], []);
});

test("codeUses gives the choice codes compared with answers, in source order (positions as Python gives them)", () => {
  const uses = parse("selected({q5}, 'none') or {q1} = 'a' or {q2} in ['x', 'y'] or 'b' != {.}").codeUses();
  assert.deepEqual(uses.map((u) => [u.question, u.code, u.position]), [
    ["q5", "none", 15], ["q1", "a", 33], ["q2", "x", 49], ["q2", "y", 54], [null, "b", 62],
  ]);
});

test("evaluate(text, answers, options) parses and evaluates in one call; now fixes today()", () => {
  assert.equal(evaluate("age({dob})", { dob: "2000-02-29" }, { now: "2024-06-15" }), 24);
  assert.equal(evaluate("today()", {}, { now: new Date(2024, 5, 15, 10, 30) }), "2024-06-15");
  assert.equal(evaluate(parse("1 + 1")), 2);
});

test("answers may be a Map, and inherited object properties are not answers", () => {
  assert.equal(evaluate("{q} = 'x'", new Map([["q", "x"]])), true);
  assert.equal(evaluate("{constructor}", {}), null);
  assert.equal(evaluate("{toString}", {}), null);
});

test("results are plain values: lists come back as fresh arrays and -0 as 0", () => {
  const answer = ["a", "b"];
  const result = evaluate("{m}", { m: answer });
  assert.deepEqual(result, ["a", "b"]);
  assert.notEqual(result, answer);
  assert.ok(Object.is(evaluate("0 * -1"), 0));
});

test("toBool reads true/false as they are and empty as ifEmpty, and refuses other values", () => {
  assert.equal(toBool(true), true);
  assert.equal(toBool(false, { ifEmpty: true }), false);
  assert.equal(toBool(null), false);
  assert.equal(toBool(null, { ifEmpty: true }), true);
  assert.equal(toBool("", { ifEmpty: true }), true);
  assert.equal(toBool([], { ifEmpty: false }), false);
  for (const value of [1, "yes", ["a"]]) {
    const error = caught(() => toBool(value));
    assert.ok(error instanceof ExpressionError);
    assert.equal(error.code, ExpressionErrorCode.TYPE_ERROR);
    assert.equal(error.position, null);
  }
  assert.equal(caught(() => toBool({ a: 1 })).code, "UNSUPPORTED_VALUE");
});

test("ExpressionError carries code, position and a message starting with the position", () => {
  const error = caught(() => parse("{a} && {b}"));
  assert.ok(error instanceof ExpressionError && error instanceof Error);
  assert.equal(error.code, "PARSE_UNEXPECTED_CHARACTER");
  assert.equal(error.position, 4);
  assert.match(error.message, /^at position 4: unexpected character '&' \(U\+0026\); write 'and'/);
});

test("inputs that are not plain values are refused with UNSUPPORTED_VALUE", () => {
  assert.equal(caught(() => evaluate("1", [1])).code, "UNSUPPORTED_VALUE");
  assert.equal(caught(() => evaluate("{.}", {}, { current: { a: 1 } })).code, "UNSUPPORTED_VALUE");
  assert.equal(caught(() => evaluate("{m}", { m: [true] })).code, "UNSUPPORTED_VALUE");
  assert.equal(caught(() => evaluate("today()", {}, { now: new Date(Number.NaN) })).code, "UNSUPPORTED_VALUE");
  assert.equal(caught(() => parse(42)).code, "UNSUPPORTED_VALUE");
});

test("limits: MAX_LENGTH code points and MAX_DEPTH levels, as in Python", () => {
  assert.equal(MAX_LENGTH, 4000);
  assert.equal(MAX_DEPTH, 100);
  assert.equal(evaluate(`'${"满".repeat(MAX_LENGTH - 2)}'`).length, MAX_LENGTH - 2);
  const error = caught(() => parse(`'${"😀".repeat(MAX_LENGTH - 1)}'`));
  assert.equal(error.code, "TOO_LONG");
  assert.equal(error.position, MAX_LENGTH);
});

test("the function registry is read-only and names every function", () => {
  assert.ok(Object.isFrozen(FUNCTIONS));
  assert.equal(Object.keys(FUNCTIONS).length, 29);
  assert.equal(FUNCTIONS.round.max, 2);
  assert.equal(FUNCTIONS.coalesce.max, null);
});

test("checkPattern / fullMatch expose the portable regex subset", () => {
  assert.equal(checkPattern("[1-9][0-9]{5}"), null);
  assert.match(checkPattern("(a+)+"), /exponential/);
  assert.match(checkPattern("a{4294967295}"), /too large/);
  assert.equal(fullMatch("a.c", "a😀c"), true);
  assert.equal(fullMatch("a*", "a".repeat(1001)), false);
  assert.equal(caught(() => fullMatch("(?=a)", "a")).code, "INVALID_PATTERN");
});

run();
