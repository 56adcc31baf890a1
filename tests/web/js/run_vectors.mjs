// Run the language-neutral conformance vectors (tests/instruments/expression_vectors.json)
// against the JavaScript implementation (survey_engine/web/static/js/expressions.js).
//
//   node tests/web/js/run_vectors.mjs [path/to/expression_vectors.json]
//
// Prints each failure, then a last line "N passed, M failed"; exits 1 on any failure.
// Comparison rule (the file's "format.comparison"): numbers within 1e-12 * max(1, |expected|),
// everything else exactly and by type; errors by code and position.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

import { evaluate, ExpressionError } from "../../../survey_engine/web/static/js/expressions.js";

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] ?? resolve(here, "../../instruments/expression_vectors.json");
const document = JSON.parse(readFileSync(file, "utf8"));

export function same(actual, expected) {
  if (expected === null || typeof expected === "boolean" || typeof expected === "string") {
    return actual === expected;
  }
  if (typeof expected === "number") {
    return typeof actual === "number" && Number.isFinite(actual) &&
      Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected));
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((item, i) => same(actual[i], item));
  }
  throw new Error(`unsupported expected value ${JSON.stringify(expected)}`);
}

function show(value) {
  return value === undefined ? "undefined" : JSON.stringify(value);
}

function check(vector) {
  let actual;
  try {
    actual = evaluate(vector.expression, vector.answers, { current: vector.current, now: vector.now });
  } catch (error) {
    if (!(error instanceof ExpressionError)) return `raised ${error?.stack ?? error}`;
    if (!("error" in vector)) return `raised ${error.code} at ${error.position}: ${error.message}`;
    const { code, position } = vector.error;
    if (error.code !== code || error.position !== position) {
      return `raised ${error.code} at ${error.position}, expected ${code} at ${position} (${error.message})`;
    }
    if (position !== null && !error.message.startsWith(`at position ${position}: `)) {
      return `message does not start with the position: ${error.message}`;
    }
    return null;
  }
  if ("error" in vector) return `gave ${show(actual)}, expected error ${vector.error.code} at ${vector.error.position}`;
  return same(actual, vector.expect) ? null : `gave ${show(actual)}, expected ${show(vector.expect)}`;
}

let passed = 0;
let failed = 0;
for (const vector of document.vectors) {
  const problem = check(vector);
  if (problem === null) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${vector.id}: ${JSON.stringify(vector.expression).slice(0, 120)} ${problem}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
