// The questionnaire expression language in the browser: a port of
// survey_engine/instruments/expressions (Python).  One self-contained ES module, no
// dependencies, no build step; runs in modern browsers and Node 20.
//
//   import { parse, evaluate, toBool } from "./expressions.js";
//   const e = parse("selected({q3}, 'b') and {age} >= 18");   // ExpressionError on bad syntax
//   e.references;                                  // frozen sorted array: ["age", "q3"]
//   e.evaluate({ q3: ["a", "b"], age: 30 });        // true
//   toBool(e.evaluate(answers), { ifEmpty: false }); // relevance decision
//
// The normative description is docs/expressions.md; tests/instruments/expression_vectors.json
// is the conformance suite both implementations pass (tests/web/js/run_vectors.mjs).  Rules a
// port easily gets wrong, each with a vector: positions and length() count code points (not
// UTF-16 units), strings order by code point, round() works on the decimal text of String(x),
// dates are 'YYYY-MM-DD' strings handled with integer day numbers (no Date, no time zones),
// and the text is fully tokenised before parsing so character errors win over syntax errors.

/** Longest accepted expression, in code points. */
export const MAX_LENGTH = 4000;
/** Deepest accepted nesting (syntax-tree depth and bracket/operator nesting alike). */
export const MAX_DEPTH = 100;
/** Longest regex() pattern, in code points. */
export const MAX_PATTERN_LENGTH = 500;
/** regex() never matches texts longer than this many code points (bounds backtracking). */
export const MAX_TEXT_LENGTH = 1000;

/** Stable error codes: the same strings as Python's ExpressionErrorCode values. */
export const ExpressionErrorCode = Object.freeze({
  EMPTY_EXPRESSION: "EMPTY_EXPRESSION",
  TOO_LONG: "TOO_LONG",
  TOO_DEEP: "TOO_DEEP",
  PARSE_UNEXPECTED_CHARACTER: "PARSE_UNEXPECTED_CHARACTER",
  PARSE_UNTERMINATED_STRING: "PARSE_UNTERMINATED_STRING",
  PARSE_INVALID_ESCAPE: "PARSE_INVALID_ESCAPE",
  PARSE_INVALID_NUMBER: "PARSE_INVALID_NUMBER",
  PARSE_INVALID_REFERENCE: "PARSE_INVALID_REFERENCE",
  PARSE_UNEXPECTED_TOKEN: "PARSE_UNEXPECTED_TOKEN",
  PARSE_UNEXPECTED_END: "PARSE_UNEXPECTED_END",
  PARSE_CHAINED_COMPARISON: "PARSE_CHAINED_COMPARISON",
  PARSE_EMPTY_COMPARISON: "PARSE_EMPTY_COMPARISON",
  PARSE_LITERAL_REQUIRED: "PARSE_LITERAL_REQUIRED",
  UNKNOWN_FUNCTION: "UNKNOWN_FUNCTION",
  WRONG_ARITY: "WRONG_ARITY",
  INVALID_PATTERN: "INVALID_PATTERN",
  TYPE_ERROR: "TYPE_ERROR",
  INVALID_DATE: "INVALID_DATE",
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  UNSUPPORTED_VALUE: "UNSUPPORTED_VALUE",
});
const Code = ExpressionErrorCode;

/** An expression cannot be parsed or evaluated; `code` is stable, `position` is the 0-based
 * code-point offset of the offending token (null for problems with the inputs). */
export class ExpressionError extends Error {
  constructor(message, code, position = null) {
    super(message);
    this.name = "ExpressionError";
    this.code = code;
    this.position = position;
  }
}

function fail(code, position, message) {
  const where = position === null || position === undefined ? "" : `at position ${position}: `;
  throw new ExpressionError(where + message, code, position ?? null);
}

// ---------------------------------------------------------------------------------------
// Values: null (empty), boolean, number (double), string, frozen array of non-empty
// scalars.  '' and [] are normalised to null so there is exactly one empty value.

function normalise(value) {
  if (value === "" || (Array.isArray(value) && value.length === 0)) return null;
  return value;
}

function kind(value) {
  if (value === null) return "empty";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  return "list";
}

function cpLength(text) {
  let n = 0;
  for (const _ of text) n += 1;  // iterates code points
  return n;
}

function describe(value) {
  const k = kind(value);
  if (k === "empty") return "empty";
  if (k === "boolean") return `boolean ${value ? "true" : "false"}`;
  if (k === "number") return `number ${formatNumber(value)}`;
  if (k === "string") {
    const cps = Array.from(value);
    const shown = cps.length <= 30 ? value : cps.slice(0, 27).join("") + "...";
    return `string '${shown}'`;
  }
  const parts = value.slice(0, 5).map((v) => describe(v).split(" ").slice(1).join(" "));
  return "list [" + parts.join(", ") + (value.length > 5 ? ", ...]" : "]");
}

function equal(a, b) {
  return kind(a) === kind(b) && a === b;
}

function hasSurrogate(text) {
  return /[\uD800-\uDFFF]/.test(text);
}

/** Compare two strings by code point (JS `<` compares UTF-16 units). */
function compareCodePoints(a, b) {
  if (!hasSurrogate(a) && !hasSurrogate(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 1) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}

/** A number as text, exactly as ECMAScript String(x) (what Python's format_number mimics). */
export function formatNumber(x) {
  return String(x);  // String(-0) is "0", as in Python's format_number
}

function toText(value) {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatNumber(value);
  return value;
}

const NUMERIC_TEXT = /^ *([+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?) *$/;

function parseNumberText(text) {
  const match = NUMERIC_TEXT.exec(text);
  if (match === null) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

function unsupported(value, name) {
  const where = name ? `answer {${name}}` : "the current answer {.}";
  let shown;
  try {
    shown = String(JSON.stringify(value)).slice(0, 40);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  fail(Code.UNSUPPORTED_VALUE, null,
    `${where} holds a ${type} (${shown}); answers must be null, a string, a number, a boolean ` +
    "or a list of non-empty strings/numbers");
}

function numberAnswer(value, name) {
  const number = typeof value === "bigint" ? Number(value) : value;
  if (typeof value === "bigint" && !Number.isFinite(number)) unsupported(value, name);
  return Number.isFinite(number) ? number : null;
}

function listItem(item, name) {
  if (typeof item === "string" && item !== "") return item;
  if (typeof item === "number" || typeof item === "bigint") {
    const number = numberAnswer(item, name);
    if (number !== null) return number;
  }
  return unsupported(item, name);
}

/** One stored answer as an expression value (null, '', [], NaN → empty); refuses objects. */
function fromAnswer(value, name) {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "string") return normalise(value);
  if (typeof value === "number" || typeof value === "bigint") return numberAnswer(value, name);
  if (Array.isArray(value)) return normalise(Object.freeze(value.map((item) => listItem(item, name))));
  return unsupported(value, name);
}

function exportValue(value) {
  if (typeof value === "number") return Object.is(value, -0) ? 0 : value;
  if (Array.isArray(value)) return value.map(exportValue);
  return value;
}

// ---------------------------------------------------------------------------------------
// Dates: 'YYYY-MM-DD' strings, years 0001-9999, proleptic Gregorian calendar, handled as
// integer day numbers (days since 1970-01-01) so no Date object or time zone is involved.

const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?$/;

function isLeap(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y, m) {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

function validDate(y, m, d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

// Hinnant's days_from_civil / civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
function dayNumber({ year, month, day }) {
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function fromDayNumber(z) {
  const shifted = z + 719468;
  const era = Math.floor(shifted / 146097);
  const doe = shifted - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const MIN_DAY = dayNumber({ year: 1, month: 1, day: 1 });
const MAX_DAY = dayNumber({ year: 9999, month: 12, day: 31 });

function pad(n, width) {
  return String(n).padStart(width, "0");
}

function formatDate({ year, month, day }) {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function parseDate(text, what, position) {
  const match = ISO_DATE.exec(text);
  if (match !== null) {
    const [year, month, day, hour, minute, second] = match.slice(1).map((g) => (g ? Number(g) : 0));
    if (hour < 24 && minute < 60 && second < 60 && validDate(year, month, day)) return { year, month, day };
  }
  const shown = Array.from(text).slice(0, 40).join("");
  return fail(Code.INVALID_DATE, position,
    `${what} is '${shown}', which is not a valid date; write 'YYYY-MM-DD' (years 0001-9999)`);
}

function completedYears(birth, on) {
  let years = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) years -= 1;
  return years;
}

// The ISO 8601 forms Python's datetime.fromisoformat (3.11) reads: an extended, basic or
// week date, then optionally one separator character ('T', ' ', ...), hh[:mm[:ss[.fff]]] and
// an offset (dropped: the wall time is what counts).  Python also reads some odder strings
// (e.g. '20200612301212122026'); those are refused here.
const ISO_CLOCK = new RegExp(
  "^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})([0-9]{2})([0-9]{2})" +
  "|([0-9]{4})-W([0-9]{2})(?:-([0-9]))?|([0-9]{4})W([0-9]{2})([0-9])?)" +
  "(?:[^+\\-]([0-9]{2})(?::?([0-9]{2})(?::?([0-9]{2})(?:[.,][0-9]+)?)?)?" +
  "(?:Z|[+-]([0-9]{2})(?::?([0-9]{2})(?::?([0-9]{2})(?:[.,][0-9]+)?)?)?)?)?$", "u");

function weekDate(year, week, weekday) {
  // ISO week dates: week 1 holds 4 January; weeks start on Monday (weekday 1).
  const jan4 = dayNumber({ year, month: 1, day: 4 });
  const isoWeekday = (z) => (((z + 3) % 7) + 7) % 7 + 1;  // 1970-01-01 was a Thursday
  const jan1 = isoWeekday(dayNumber({ year, month: 1, day: 1 }));
  const weeks = jan1 === 4 || (isLeap(year) && jan1 === 3) ? 53 : 52;
  if (week < 1 || week > weeks || weekday < 1 || weekday > 7) return null;
  const date = fromDayNumber(jan4 - (isoWeekday(jan4) - 1) + (week - 1) * 7 + weekday - 1);
  return validDate(date.year, date.month, date.day) ? date : null;
}

function clockFromText(now) {
  const match = ISO_CLOCK.exec(now);
  if (match === null) return null;
  const g = match.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  let date;
  if (g[0] !== undefined) date = { year: g[0], month: g[1], day: g[2] };
  else if (g[3] !== undefined) date = { year: g[3], month: g[4], day: g[5] };
  else if (g[6] !== undefined) date = weekDate(g[6], g[7], g[8] ?? 1);
  else date = weekDate(g[9], g[10], g[11] ?? 1);
  if (date === null || !validDate(date.year, date.month, date.day)) return null;
  const [hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0, offsetSecond = 0] = g.slice(12);
  if (hour >= 24 || minute >= 60 || second >= 60 || offsetHour >= 24 || offsetMinute >= 60 || offsetSecond >= 60) {
    return null;
  }
  return { ...date, hour, minute, second };
}

function resolveClock(now) {
  if (now === null || now === undefined) return clockOf(new Date());
  if (now instanceof Date) {
    if (!Number.isNaN(now.getTime())) {
      const clock = clockOf(now);
      if (clock.year >= 1 && clock.year <= 9999) return clock;
    }
  } else if (typeof now === "string") {
    const clock = clockFromText(now);
    if (clock !== null) return clock;
  }
  let shown;
  try {
    shown = String(JSON.stringify(now)).slice(0, 60);
  } catch {
    shown = String(now).slice(0, 60);
  }
  return fail(Code.UNSUPPORTED_VALUE, null, `now=${shown} is not a Date or an ISO date/date-time string`);
}

function clockOf(date) {
  // The local wall time of the device, as Python's datetime.now() gives the server's.
  return {
    year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate(),
    hour: date.getHours(), minute: date.getMinutes(), second: date.getSeconds(),
  };
}

// ---------------------------------------------------------------------------------------
// The portable regex subset (mirror of patterns.py): only constructs Python's re (ASCII)
// and JavaScript's RegExp (u flag) read identically.

const RE_SYNTAX = new Set("\\^$.*+?()[]{}|/");
const RE_CONTROL = new Set("ntrfv");
const RE_CLASS_ESCAPES = new Set("dDwW");
const RE_QUANTIFIER = /^\{[0-9]+(?:,[0-9]*)?\}/;
const RE_DOT = "[^\\n\\r\\u2028\\u2029]";

class PatternProblem extends Error {}

function startsWith(cps, i, text) {
  const wanted = Array.from(text);
  for (let k = 0; k < wanted.length; k += 1) if (cps[i + k] !== wanted[k]) return false;
  return true;
}

function reEscape(cps, i, inClass) {
  const next = i + 1 < cps.length ? cps[i + 1] : "";
  if (next && (RE_SYNTAX.has(next) || RE_CONTROL.has(next) || RE_CLASS_ESCAPES.has(next) || (inClass && next === "-"))) {
    return "\\" + next;
  }
  throw new PatternProblem(`offset ${i}: escape '\\${next}' is not portable; allowed: \\d \\D \\w \\W ` +
    "\\n \\t \\r \\f \\v and escaped syntax characters");
}

function classEnd(cps, start) {
  let i = start + 1;
  if (cps[i] === "^") i += 1;
  if (cps[i] === "]") {
    throw new PatternProblem(`offset ${start}: empty character class; escape a literal ']' as \\]`);
  }
  while (i < cps.length) {
    const c = cps[i];
    if (c === "\\") {
      reEscape(cps, i, true);
      i += 2;
      continue;
    }
    if (c === "]") return i + 1;
    if (c === "[" || ("&-|~".includes(c) && cps[i + 1] === c)) {
      throw new PatternProblem(`offset ${i}: '${cps.slice(i, i + 2).join("")}' inside a class is not portable; escape it`);
    }
    i += 1;
  }
  throw new PatternProblem(`offset ${start}: character class '[' is not closed`);
}

function quantifier(cps, i, state, out) {
  let end;
  let unbounded;
  if (cps[i] === "{") {
    const match = RE_QUANTIFIER.exec(cps.slice(i).join(""));
    if (match === null) {
      throw new PatternProblem(`offset ${i}: '{' must start a quantifier {n}, {n,} or {n,m}; escape a literal brace as \\{`);
    }
    end = i + match[0].length;
    unbounded = match[0].endsWith(",}");
    if (match[0].slice(1, -1).split(",").some((count) => count !== "" && Number(count) >= 4294967295)) {
      // Python's re cannot represent these counts (its MAXREPEAT); V8 would silently clamp.
      throw new PatternProblem(`offset ${i}: the repeat count in '${match[0]}' is too large`);
    }
  } else {
    end = i + 1;
    unbounded = cps[i] === "*" || cps[i] === "+";
  }
  if (!state.canRepeat) {
    throw new PatternProblem(`offset ${i}: quantifier '${cps.slice(i, end).join("")}' has nothing to repeat`);
  }
  if (unbounded && state.atomUnbounded) {
    throw new PatternProblem(`offset ${i}: an unbounded repeat of a group that itself repeats without bound, ` +
      "like (a+)+, can take exponential time; rewrite it, e.g. as a class [..]+");
  }
  if (unbounded) state.groups[state.groups.length - 1] = true;
  if (cps[end] === "?") end += 1;
  if (end < cps.length && "*+?{".includes(cps[end])) {
    throw new PatternProblem(`offset ${end}: a quantifier cannot follow another quantifier`);
  }
  out.push(cps.slice(i, end).join(""));
  return end;
}

function translatePattern(pattern) {
  const cps = Array.from(pattern);
  if (cps.length > MAX_PATTERN_LENGTH) throw new PatternProblem(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  const out = [];
  // groups[k]: does open group k contain an unbounded quantifier?  groups[0] is the pattern.
  const state = { groups: [false], canRepeat: false, atomUnbounded: false };
  const n = cps.length;
  let i = 0;
  while (i < n) {
    const c = cps[i];
    if ("*+?{".includes(c) && c.length === 1) {
      i = quantifier(cps, i, state, out);
      state.canRepeat = state.atomUnbounded = false;
      continue;
    }
    state.atomUnbounded = false;
    if (c === "\\") {
      out.push(reEscape(cps, i, false));
      i += 2;
      state.canRepeat = true;
    } else if (c === "[") {
      const end = classEnd(cps, i);
      out.push(cps.slice(i, end).join(""));
      i = end;
      state.canRepeat = true;
    } else if (c === "(") {
      if (startsWith(cps, i, "(?") && !startsWith(cps, i, "(?:")) {
        throw new PatternProblem(`offset ${i}: only plain groups ( ) and (?: ) are portable`);
      }
      const width = startsWith(cps, i, "(?:") ? 3 : 1;
      out.push(cps.slice(i, i + width).join(""));
      state.groups.push(false);
      i += width;
      state.canRepeat = false;
    } else if (c === ")") {
      if (state.groups.length === 1) throw new PatternProblem(`offset ${i}: ')' without a matching '('`);
      state.atomUnbounded = state.groups.pop();
      const last = state.groups.length - 1;
      state.groups[last] = state.groups[last] || state.atomUnbounded;
      out.push(c);
      i += 1;
      state.canRepeat = true;
    } else if (c === "|") {
      out.push(c);
      i += 1;
      state.canRepeat = false;
    } else if (c === "^" || c === "$") {
      if ((c === "^" && i !== 0) || (c === "$" && i !== n - 1)) {
        throw new PatternProblem(`offset ${i}: '${c}' is only allowed at the very start/end ` +
          `(the pattern always matches the whole text); escape it as \\${c}`);
      }
      i += 1;
    } else if (c === "]" || c === "}") {
      throw new PatternProblem(`offset ${i}: unescaped '${c}'; write \\${c}`);
    } else {
      // Every other character is a literal in a u-mode RegExp outside a class.
      out.push(c === "." ? RE_DOT : c);
      i += 1;
      state.canRepeat = true;
    }
  }
  if (state.groups.length > 1) throw new PatternProblem("a '(' is not closed");
  const translated = out.join("");
  try {
    return new RegExp("^(?:" + translated + ")$", "u");
  } catch (error) {
    throw new PatternProblem(`not a valid pattern (${error.message})`);
  }
}

const compiledPatterns = new Map();

function compilePattern(pattern) {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    compiled = translatePattern(pattern);
    if (compiledPatterns.size >= 256) compiledPatterns.delete(compiledPatterns.keys().next().value);
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** Why `pattern` is outside the portable regex subset, or null when it is accepted. */
export function checkPattern(pattern) {
  try {
    compilePattern(pattern);
  } catch (error) {
    if (error instanceof PatternProblem) return error.message;
    throw error;
  }
  return null;
}

/** True when the portable `pattern` matches all of `text` (never for texts over
 * MAX_TEXT_LENGTH code points); INVALID_PATTERN for a pattern outside the subset. */
export function fullMatch(pattern, text) {
  let compiled;
  try {
    compiled = compilePattern(pattern);
  } catch (error) {
    if (!(error instanceof PatternProblem)) throw error;
    return fail(Code.INVALID_PATTERN, null, `pattern '${pattern.slice(0, 40)}': ${error.message}`);
  }
  return cpLength(text) <= MAX_TEXT_LENGTH && compiled.test(text);
}

// ---------------------------------------------------------------------------------------
// Functions: one read-only registry (mirror of functions.py).

function typeError(call, index, expected, value) {
  return fail(Code.TYPE_ERROR, call.position,
    `${call.name}() expects ${expected} as argument ${index + 1} but got ${describe(value)}`);
}

function num(call, index, value) {
  if (value === null || typeof value === "number") return value;
  return typeError(call, index, "a number", value);
}

function text(call, index, value) {
  if (value === null || typeof value === "string") return value;
  return typeError(call, index, "a string", value);
}

function scalar(call, index, value) {
  if (Array.isArray(value)) typeError(call, index, "a single value (not a list)", value);
  return value;
}

function integer(call, index, value, low, high) {
  const number = num(call, index, value);
  if (number === null || !Number.isInteger(number) || number < low || number > high) {
    fail(Code.INVALID_ARGUMENT, call.position,
      `${call.name}() needs a whole number from ${low} to ${high} as argument ${index + 1}, got ${describe(value)}`);
  }
  return number;
}

function dateArg(call, index, value) {
  const t = text(call, index, value);
  return t === null ? null : parseDate(t, `argument ${index + 1} of ${call.name}()`, call.position);
}

function numbers(call, args) {
  return args.filter((v, i) => num(call, i, v) !== null);
}

function finite(value) {
  return Number.isFinite(value) ? value : null;
}

function leftSum(values) {
  let total = 0;
  for (const v of values) total += v;  // left to right, as Python adds them
  return total;
}

function extreme(values, better) {
  if (values.length === 0) return null;
  let best = values[0];
  for (const v of values) if (better(v, best)) best = v;  // first of equals wins, as Python's min/max
  return best;
}

/** round(): the decimal text String(x) rounded half away from zero (Python: Decimal quantize
 * ROUND_HALF_UP on repr(x)), read back as a double. */
function roundDecimal(x, digits) {
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:e([+-][0-9]+))?$/.exec(String(x));
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  const scale = Number(exponent) - fraction.length;  // x = sign * int(whole+fraction) * 10^scale
  const target = -digits;
  if (scale >= target) return x;
  const drop = target - scale;
  const all = (whole + fraction).padStart(drop + 1, "0");
  let kept = BigInt(all.slice(0, all.length - drop));
  if (all[all.length - drop] >= "5") kept += 1n;
  return finite(Number(`${sign}${kept}e${target}`));
}

function unary(fn) {
  return (ctx, args, call) => {
    const x = num(call, 0, args[0]);
    return x === null ? null : fn(x);
  };
}

function datePart(part) {
  return (ctx, args, call) => {
    const value = dateArg(call, 0, args[0]);
    return value === null ? null : value[part];
  };
}

const IMPLEMENTATIONS = {
  selected(ctx, [answer, code], call) {
    if (answer === null || scalar(call, 1, code) === null) return false;
    if (Array.isArray(answer)) return answer.some((item) => equal(item, code));
    return equal(answer, code);
  },
  count_selected(ctx, [answer], call) {
    if (answer === null) return 0;
    if (Array.isArray(answer)) return answer.length;
    if (typeof answer === "string") return 1;
    return typeError(call, 0, "a choice answer (list or code)", answer);
  },
  empty: (ctx, args) => args[0] === null,
  not_empty: (ctx, args) => args[0] !== null,
  if(ctx, thunks, call) {
    const condition = thunks[0]();
    if (condition !== null && typeof condition !== "boolean") typeError(call, 0, "true/false", condition);
    return condition ? thunks[1]() : thunks[2]();
  },
  coalesce(ctx, thunks) {
    for (const thunk of thunks) {
      const value = thunk();
      if (value !== null) return value;
    }
    return null;
  },
  min: (ctx, args, call) => extreme(numbers(call, args), (a, b) => a < b),
  max: (ctx, args, call) => extreme(numbers(call, args), (a, b) => a > b),
  sum: (ctx, args, call) => finite(leftSum(numbers(call, args))),
  mean(ctx, args, call) {
    const values = numbers(call, args);
    return values.length ? finite(leftSum(values) / values.length) : null;
  },
  round(ctx, args, call) {
    const x = num(call, 0, args[0]);
    const digits = args.length > 1 ? integer(call, 1, args[1], -15, 15) : 0;
    return x === null ? null : roundDecimal(x, digits);
  },
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  abs: unary(Math.abs),
  number(ctx, args, call) {
    const value = scalar(call, 0, args[0]);
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "string") return parseNumberText(value);
    return value;
  },
  string(ctx, args, call) {
    const value = scalar(call, 0, args[0]);
    return value === null ? null : toText(value);
  },
  concat(ctx, args, call) {
    return normalise(args.map((v, i) => (v === null ? "" : toText(scalar(call, i, v)))).join(""));
  },
  length(ctx, args, call) {
    const t = text(call, 0, args[0]);
    return t === null ? 0 : cpLength(t);
  },
  contains(ctx, args, call) {
    const whole = text(call, 0, args[0]);
    const part = text(call, 1, args[1]);
    return whole !== null && part !== null && whole.includes(part);
  },
  regex(ctx, args, call) {
    const t = text(call, 0, args[0]);
    // The pattern '' is read as empty; it could only match '' and texts are never ''.
    return t !== null && args[1] !== null && fullMatch(args[1], t);
  },
  today: (ctx) => formatDate(ctx.clock()),
  now(ctx) {
    const c = ctx.clock();
    return `${formatDate(c)}T${pad(c.hour, 2)}:${pad(c.minute, 2)}:${pad(c.second, 2)}`;
  },
  date(ctx, args, call) {
    const value = dateArg(call, 0, args[0]);
    return value === null ? null : formatDate(value);
  },
  age(ctx, args, call) {
    const birth = dateArg(call, 0, args[0]);
    const on = args.length > 1 ? dateArg(call, 1, args[1]) : ctx.clock();
    return birth === null || on === null ? null : completedYears(birth, on);
  },
  days_between(ctx, args, call) {
    const start = dateArg(call, 0, args[0]);
    const end = dateArg(call, 1, args[1]);
    return start === null || end === null ? null : dayNumber(end) - dayNumber(start);
  },
  add_days(ctx, args, call) {
    const start = dateArg(call, 0, args[0]);
    if (args[1] === null) return null;
    const days = integer(call, 1, args[1], -3000000, 3000000);
    if (start === null) return null;
    const target = dayNumber(start) + days;
    if (target < MIN_DAY || target > MAX_DAY) fail(Code.INVALID_DATE, call.position, "add_days() goes outside the years 0001-9999");
    return formatDate(fromDayNumber(target));
  },
  year: datePart("year"),
  month: datePart("month"),
  day: datePart("day"),
};

function spec(signature, min, max, summary, extra = {}) {
  const name = signature.split("(")[0];
  return Object.freeze({ name, signature, min, max, summary, lazy: false, literalArgs: {}, ...extra });
}

/** Read-only registry: name → {name, signature, min, max (null: unbounded), summary, lazy}. */
export const FUNCTIONS = Object.freeze(Object.fromEntries([
  spec("selected(answer, code)", 2, 2, "true when the choice answer is or contains code"),
  spec("count_selected(answer)", 1, 1, "number of codes chosen (0 when empty)"),
  spec("empty(x)", 1, 1, "true when x is empty (unanswered, '' or an empty list)"),
  spec("not_empty(x)", 1, 1, "true when x is not empty"),
  spec("if(condition, then, else)", 3, 3, "then when condition is true, else otherwise (empty counts as false)", { lazy: true }),
  spec("coalesce(x, y, ...)", 1, null, "the first argument that is not empty", { lazy: true }),
  spec("min(x, ...)", 1, null, "smallest number, skipping empty ones (empty if all are)"),
  spec("max(x, ...)", 1, null, "largest number, skipping empty ones (empty if all are)"),
  spec("sum(x, ...)", 1, null, "sum of the numbers, skipping empty ones (0 if all are)"),
  spec("mean(x, ...)", 1, null, "mean of the numbers, skipping empty ones (empty if all are)"),
  spec("round(x[, digits])", 1, 2, "x rounded to digits decimals (-15..15), halves away from zero"),
  spec("floor(x)", 1, 1, "largest whole number <= x"),
  spec("ceil(x)", 1, 1, "smallest whole number >= x"),
  spec("abs(x)", 1, 1, "absolute value"),
  spec("number(x)", 1, 1, "x as a number: text like '12.5' is read, other text gives empty"),
  spec("string(x)", 1, 1, "x as text (numbers as JavaScript prints them)"),
  spec("concat(x, ...)", 1, null, "the texts joined, empty parts skipped"),
  spec("length(text)", 1, 1, "number of characters (code points); 0 when empty"),
  spec("contains(text, part)", 2, 2, "true when part occurs in text"),
  spec("regex(text, 'pattern')", 2, 2, "true when the whole text matches the portable pattern",
    { literalArgs: { 1: checkPattern } }),
  spec("today()", 0, 0, "the evaluation date 'YYYY-MM-DD'"),
  spec("now()", 0, 0, "the evaluation date-time 'YYYY-MM-DDTHH:MM:SS'"),
  spec("date(text)", 1, 1, "text checked and normalised to 'YYYY-MM-DD'"),
  spec("age(birth[, on])", 1, 2, "completed years from birth to on (default today())"),
  spec("days_between(start, end)", 2, 2, "end minus start in days"),
  spec("add_days(date, days)", 2, 2, "the date days later (earlier when negative)"),
  spec("year(date)", 1, 1, "the year as a number"),
  spec("month(date)", 1, 1, "the month 1-12"),
  spec("day(date)", 1, 1, "the day of the month 1-31"),
].map((s) => [s.name, s])));

function hasOwn(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function accepts(fn, count) {
  return count >= fn.min && (fn.max === null || count <= fn.max);
}

function arityText(fn) {
  const plural = (k) => `${k} argument` + (k === 1 ? "" : "s");
  if (fn.max === null) return `at least ${plural(fn.min)}`;
  if (fn.min === fn.max) return `exactly ${plural(fn.min)}`;
  return `${fn.min} to ${plural(fn.max)}`;
}

// ---------------------------------------------------------------------------------------
// Lexer: text → tokens with 0-based code-point positions (mirror of tokens.py).

const KEYWORDS = new Set(["and", "or", "not", "in", "div", "mod", "true", "false", "null"]);
const BLANKS = new Set([" ", "\t", "\n", "\r", "\u3000"]);
const SINGLE_OPERATORS = new Set("=<>+-*/()[],");
const DOUBLE_OPERATORS = new Set(["==", "!=", "<=", ">="]);
const STRING_ESCAPES = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r" };
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTE_HINT = "use ASCII quotes ' or \" around strings";
const CHARACTER_HINTS = {
  "&": "write 'and' instead of '&'/'&&'",
  "|": "write 'or' instead of '|'/'||'",
  "!": "write 'not' for negation ('!=' is 'not equal')",
  "\u201c": QUOTE_HINT, "\u201d": QUOTE_HINT, "\u2018": QUOTE_HINT, "\u2019": QUOTE_HINT,
  ".": "numbers need a digit before the point (0.5) and references are written {q1}",
  "}": "a reference is written {question_id}",
};

function isDigit(c) {
  return c !== undefined && c.length === 1 && c >= "0" && c <= "9";
}

function isNameChar(c) {
  return c !== undefined && c.length === 1 && /[A-Za-z0-9_]/.test(c);
}

function isHex(c) {
  return c !== undefined && c.length === 1 && /[0-9A-Fa-f]/.test(c);
}

function token(kind, value, position, end, source) {
  return { kind, value, position, end, text: source.slice(position, end).join("") };
}

function describeToken(t) {
  if (t.kind === "end") return "end of expression";
  if (t.kind === "operator") return `'${t.text}'`;
  if (t.kind === "keyword") return `keyword '${t.text}'`;
  return `${t.kind} ${t.text}`;
}

function isOp(t, op) {
  return t.kind === "operator" && t.value === op;
}

function isKeyword(t, word) {
  return t.kind === "keyword" && t.value === word;
}

function tokenize(source) {
  const cps = Array.from(source);
  const n = cps.length;
  if (n > MAX_LENGTH) {
    fail(Code.TOO_LONG, MAX_LENGTH, `the expression has ${n} characters, more than the limit of ` +
      `${MAX_LENGTH}; split it into calculated questions`);
  }
  const tokens = [];
  let i = 0;
  while (i < n) {
    const c = cps[i];
    if (BLANKS.has(c)) {
      i += 1;
      continue;
    }
    let t;
    if (isDigit(c)) t = lexNumber(cps, i);
    else if (c === "'" || c === '"') t = lexString(cps, i);
    else if (c === "{") t = lexReference(cps, i);
    else if (isNameChar(c)) {
      let end = i + 1;
      while (isNameChar(cps[end])) end += 1;
      const word = cps.slice(i, end).join("");
      t = token(KEYWORDS.has(word) ? "keyword" : "name", word, i, end, cps);
    } else if (DOUBLE_OPERATORS.has(c + (cps[i + 1] ?? ""))) {
      t = token("operator", c + cps[i + 1], i, i + 2, cps);
    } else if (SINGLE_OPERATORS.has(c)) {
      t = token("operator", c, i, i + 1, cps);
    } else {
      unexpectedCharacter(c, i);
    }
    tokens.push(t);
    i = t.end;
  }
  tokens.push({ kind: "end", value: null, position: n, end: n, text: "" });
  return tokens;
}

function unexpectedCharacter(c, i) {
  const code = c.codePointAt(0);
  let hint = CHARACTER_HINTS[c];
  if (hint === undefined && code >= 0xff01 && code <= 0xff5e) {
    hint = `use the ASCII character '${String.fromCodePoint(code - 0xfee0)}' instead of the full-width '${c}'`;
  }
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  fail(Code.PARSE_UNEXPECTED_CHARACTER, i, `unexpected character '${c}' (U+${hex})${hint ? "; " + hint : ""}`);
}

function digitsFrom(cps, i) {
  let j = i;
  while (isDigit(cps[j])) j += 1;
  return j;
}

function lexNumber(cps, i) {
  let end = digitsFrom(cps, i);
  if (cps[end] === "." && isDigit(cps[end + 1])) end = digitsFrom(cps, end + 1);
  if (cps[end] === "e" || cps[end] === "E") {
    const signed = cps[end + 1] === "+" || cps[end + 1] === "-" ? end + 2 : end + 1;
    if (isDigit(cps[signed])) end = digitsFrom(cps, signed);
  }
  const literal = cps.slice(i, end).join("");
  if (end < cps.length && (isNameChar(cps[end]) || cps[end] === ".")) {
    fail(Code.PARSE_INVALID_NUMBER, i,
      `malformed number starting '${cps.slice(i, end + 1).join("")}'; write numbers like 12, 0.5 or 1.5e3`);
  }
  const value = Number(literal);
  if (value === Infinity) fail(Code.PARSE_INVALID_NUMBER, i, `number ${literal} is too large for a double`);
  return token("number", value, i, end, cps);
}

function lexString(cps, i) {
  const quote = cps[i];
  const n = cps.length;
  const parts = [];
  let j = i + 1;
  while (j < n) {
    const c = cps[j];
    if (c === quote) return token("string", parts.join(""), i, j + 1, cps);
    if (c !== "\\") {
      parts.push(c);
      j += 1;
      continue;
    }
    const next = j + 1 < n ? cps[j + 1] : "";
    const hex = cps.slice(j + 2, j + 6);
    if (next && hasOwn(STRING_ESCAPES, next)) {
      parts.push(STRING_ESCAPES[next]);
      j += 2;
    } else if (next === "u" && hex.length === 4 && hex.every(isHex) &&
               !(parseInt(hex.join(""), 16) >= 0xd800 && parseInt(hex.join(""), 16) <= 0xdfff)) {
      parts.push(String.fromCharCode(parseInt(hex.join(""), 16)));
      j += 6;
    } else {
      fail(Code.PARSE_INVALID_ESCAPE, j,
        `invalid escape '\\${next}' in string; allowed: \\\\ \\' \\" \\n \\t \\r \\uXXXX (not a surrogate)`);
    }
  }
  return fail(Code.PARSE_UNTERMINATED_STRING, i, `string starting here has no closing ${quote}; add ${quote} at its end`);
}

function lexReference(cps, i) {
  const close = cps.indexOf("}", i + 1);
  const inner = close >= 0 ? cps.slice(i + 1, close).join("") : "";
  if (close < 0 || !(inner === "." || NAME_PATTERN.test(inner))) {
    const shown = close >= 0 ? cps.slice(i, close + 1).join("") : cps.slice(i, i + 20).join("");
    fail(Code.PARSE_INVALID_REFERENCE, i,
      `invalid reference '${shown}'; write {question_id} (letters, digits, '_', not starting with a digit, ` +
      "no blanks) or {.} for the current answer");
  }
  return token("reference", inner, i, close + 1, cps);
}

// ---------------------------------------------------------------------------------------
// Parser: precedence climbing (mirror of parser.py).  Nodes are plain objects with `type`
// and `position` (the offset of the operator, function name or literal).

const OR = 1, AND = 2, NOT = 3, COMPARE = 4, ADD = 5, MULTIPLY = 6, NEGATE = 7;
const INFIX = {
  or: ["logical", "or", OR],
  and: ["logical", "and", AND],
  "=": ["comparison", "=", COMPARE],
  "==": ["comparison", "=", COMPARE],
  "!=": ["comparison", "!=", COMPARE],
  "<": ["comparison", "<", COMPARE],
  "<=": ["comparison", "<=", COMPARE],
  ">": ["comparison", ">", COMPARE],
  ">=": ["comparison", ">=", COMPARE],
  in: ["comparison", "in", COMPARE],
  "+": ["arithmetic", "+", ADD],
  "-": ["arithmetic", "-", ADD],
  "*": ["arithmetic", "*", MULTIPLY],
  "/": ["arithmetic", "/", MULTIPLY],
  div: ["arithmetic", "div", MULTIPLY],
  mod: ["arithmetic", "mod", MULTIPLY],
};
const LITERAL_KEYWORDS = { true: true, false: false, null: null };

function closestName(name, names) {
  // A small stand-in for difflib.get_close_matches (only used in the message).
  let best = null;
  let bestScore = 0.6;
  for (const candidate of names) {
    const score = similarity(name, candidate);
    if (score >= bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

function similarity(a, b) {
  const rows = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      rows[i][j] = a[i - 1] === b[j - 1] ? rows[i - 1][j - 1] + 1 : Math.max(rows[i - 1][j], rows[i][j - 1]);
    }
  }
  return (2 * rows[a.length][b.length]) / (a.length + b.length || 1);
}

class Parser {
  constructor(tokens) {
    this.tokens = tokens;
    this.index = 0;
  }

  peek(ahead = 0) {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  advance() {
    const t = this.tokens[this.index];
    this.index += 1;
    return t;
  }

  expect(op, context) {
    const t = this.peek();
    if (!isOp(t, op)) {
      const code = t.kind === "end" ? Code.PARSE_UNEXPECTED_END : Code.PARSE_UNEXPECTED_TOKEN;
      fail(code, t.position, `expected '${op}' ${context} but found ${describeToken(t)}`);
    }
    return this.advance();
  }

  /** Returns [node, tree depth]. */
  expression(minPower, depth) {
    if (depth > MAX_DEPTH) {
      fail(Code.TOO_DEEP, this.peek().position, `the expression nests more than ${MAX_DEPTH} levels deep; simplify it`);
    }
    let [left, leftDepth] = this.prefix(minPower, depth);
    let compared = false;
    for (;;) {
      const t = this.peek();
      const [op, power, width] = this.infix(t);
      if (op === null || power <= minPower) return [left, leftDepth];
      if (power === COMPARE && compared) {
        fail(Code.PARSE_CHAINED_COMPARISON, t.position,
          "comparisons cannot be chained; write 'a < b and b < c' instead of 'a < b < c'");
      }
      this.index += width;
      const [right, rightDepth] = this.expression(power, depth + 1);
      leftDepth = 1 + Math.max(leftDepth, rightDepth);
      if (leftDepth > MAX_DEPTH) {
        fail(Code.TOO_DEEP, t.position, `the expression nests more than ${MAX_DEPTH} levels deep; use sum() or split it`);
      }
      left = combine(op, left, right, t.position);
      compared = power === COMPARE;
    }
  }

  infix(t) {
    if (isKeyword(t, "not") && isKeyword(this.peek(1), "in")) return [["comparison", "not in"], COMPARE, 2];
    if ((t.kind === "operator" || t.kind === "keyword") && hasOwn(INFIX, t.value)) {
      const [type, op, power] = INFIX[t.value];
      return [[type, op], power, 1];
    }
    return [null, 0, 0];
  }

  prefix(minPower, depth) {
    const t = this.advance();
    const { kind: k, value, position } = t;
    if (k === "number" || k === "string") return [{ type: "literal", value, position }, 1];
    if (k === "reference") return [{ type: "reference", name: value === "." ? null : value, position }, 1];
    if (k === "keyword" && hasOwn(LITERAL_KEYWORDS, value)) {
      return [{ type: "literal", value: LITERAL_KEYWORDS[value], position }, 1];
    }
    if (isKeyword(t, "not")) {
      if (minPower > NOT) {
        fail(Code.PARSE_UNEXPECTED_TOKEN, position,
          "'not' cannot appear inside a comparison or arithmetic; put 'not ...' in parentheses");
      }
      const [operand, operandDepth] = this.expression(NOT, depth + 1);
      return [{ type: "not", operand, position }, operandDepth + 1];
    }
    if (isOp(t, "-")) {
      const [operand, operandDepth] = this.expression(NEGATE, depth + 1);
      return [{ type: "negate", operand, position }, operandDepth + 1];
    }
    if (isOp(t, "(")) return this.parenthesis(t, depth);
    if (isOp(t, "[")) {
      const [items, itemsDepth] = this.items("]", depth, null);
      return [{ type: "list", items, position }, itemsDepth + 1];
    }
    if (k === "name") return this.call(t, depth);
    this.index -= 1;
    if (k === "end") fail(Code.PARSE_UNEXPECTED_END, position, "expected a value but found the end of the expression");
    return fail(Code.PARSE_UNEXPECTED_TOKEN, position, `expected a value but found ${describeToken(t)}`);
  }

  parenthesis(opening, depth) {
    const [first, firstDepth] = this.expression(0, depth + 1);
    if (!isOp(this.peek(), ",")) {
      this.expect(")", `to close the '(' at position ${opening.position}`);
      return [first, firstDepth];
    }
    this.advance();
    const [rest, restDepth] = this.items(")", depth, opening);
    return [{ type: "list", items: [first, ...rest], position: opening.position }, Math.max(firstDepth, restDepth) + 1];
  }

  /** Comma-separated expressions up to `closing` (the opening bracket is consumed). */
  items(closing, depth, opening) {
    const items = [];
    let deepest = 0;
    if (opening === null && isOp(this.peek(), closing)) {
      this.advance();
      return [items, 0];
    }
    for (;;) {
      const [item, itemDepth] = this.expression(0, depth + 1);
      items.push(item);
      deepest = Math.max(deepest, itemDepth);
      if (isOp(this.peek(), ",")) {
        this.advance();
        continue;
      }
      this.expect(closing, "or ',' in the list");
      return [items, deepest];
    }
  }

  call(name, depth) {
    const fn = hasOwn(FUNCTIONS, name.value) ? FUNCTIONS[name.value] : null;
    if (!isOp(this.peek(), "(")) {
      let hint;
      if (KEYWORDS.has(name.value.toLowerCase())) hint = `; keywords are lowercase: write '${name.value.toLowerCase()}'`;
      else if (fn === null) hint = `; did you mean {${name.value}}?`;
      else hint = `; call it as ${fn.signature}`;
      fail(Code.PARSE_UNEXPECTED_TOKEN, name.position,
        `found the bare name '${name.value}': answers are referenced as {question_id}${hint}`);
    }
    if (fn === null) {
      const names = Object.keys(FUNCTIONS).sort();
      const close = closestName(name.value, names);
      fail(Code.UNKNOWN_FUNCTION, name.position,
        `unknown function '${name.value}'; ${close ? `did you mean ${close}()? ` : ""}known functions: ${names.join(", ")}`);
    }
    this.advance();
    const [args, argsDepth] = this.items(")", depth, null);
    if (!accepts(fn, args.length)) {
      fail(Code.WRONG_ARITY, name.position,
        `${name.value}() takes ${arityText(fn)} but was given ${args.length}; use ${fn.signature}`);
    }
    for (const [index, check] of Object.entries(fn.literalArgs)) {
      const argument = args[Number(index)];
      if (!(argument.type === "literal" && typeof argument.value === "string")) {
        fail(Code.PARSE_LITERAL_REQUIRED, argument.position,
          `argument ${Number(index) + 1} of ${name.value}() must be a string literal`);
      }
      const problem = check(argument.value);
      if (problem !== null) fail(Code.INVALID_PATTERN, argument.position, `${name.value}() pattern: ${problem}`);
    }
    return [{ type: "call", name: name.value, args, position: name.position }, argsDepth + 1];
  }
}

function combine([type, op], left, right, position) {
  if (type === "comparison") {
    for (const side of [left, right]) {
      if (side.type === "literal" && (side.value === null || side.value === "")) {
        fail(Code.PARSE_EMPTY_COMPARISON, position,
          "a comparison with null or '' is always false; test emptiness with empty({q}) or not_empty({q})");
      }
    }
  }
  return { type, op, left, right, position };
}

function parseTree(source) {
  const tokens = tokenize(source);
  if (tokens[0].kind === "end") fail(Code.EMPTY_EXPRESSION, 0, "the expression is empty; write a condition or a value");
  const parser = new Parser(tokens);
  const [node] = parser.expression(0, 1);
  const end = parser.peek();
  if (end.kind !== "end") {
    let hint = "";
    if (end.kind === "name" && KEYWORDS.has(end.value.toLowerCase())) {
      hint = `; keywords are lowercase: write '${end.value.toLowerCase()}'`;
    }
    fail(Code.PARSE_UNEXPECTED_TOKEN, end.position,
      `expected an operator or the end of the expression but found ${describeToken(end)}${hint}`);
  }
  return node;
}

// ---------------------------------------------------------------------------------------
// Evaluator (mirror of evaluator.py).

function children(node) {
  switch (node.type) {
    case "arithmetic": case "comparison": case "logical": return [node.left, node.right];
    case "negate": case "not": return [node.operand];
    case "call": return node.args;
    case "list": return node.items;
    default: return [];
  }
}

class Context {
  constructor(answers, current, now) {
    if (answers === null || answers === undefined) answers = {};
    if (typeof answers !== "object" || Array.isArray(answers)) {
      fail(Code.UNSUPPORTED_VALUE, null,
        `answers must be an object of question id to answer, not ${Array.isArray(answers) ? "an array" : typeof answers}`);
    }
    this.answers = answers;
    this.current = fromAnswer(current, null);
    this.now = now;
    this.resolved = null;
  }

  clock() {
    if (this.resolved === null) this.resolved = resolveClock(this.now);
    return this.resolved;
  }

  lookup(name) {
    if (this.answers instanceof Map) return fromAnswer(this.answers.get(name), name);
    return fromAnswer(hasOwn(this.answers, name) ? this.answers[name] : null, name);
  }

  valueOf(node) {
    return HANDLERS[node.type](this, node);
  }
}

function numberOperand(value, what, position) {
  if (value === null || typeof value === "number") return value;
  const hint = typeof value === "string" ? "; join texts with concat()" : "";
  return fail(Code.TYPE_ERROR, position, `${what} must be a number but is ${describe(value)}${hint}`);
}

const ARITHMETIC = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => (b === 0 ? null : a / b),
  div: (a, b) => (b === 0 ? null : Math.trunc(a / b)),
  mod: (a, b) => (b === 0 ? null : a % b),
};

function ordered(test) {
  return (a, b) => {
    const ka = kind(a);
    if (ka !== kind(b)) return false;
    if (ka === "number") return test(a < b ? -1 : a > b ? 1 : 0);
    if (ka === "string") return test(compareCodePoints(a, b));
    return false;
  };
}

const COMPARISONS = {
  "=": equal,
  "!=": (a, b) => !equal(a, b),
  "<": ordered((c) => c < 0),
  "<=": ordered((c) => c <= 0),
  ">": ordered((c) => c > 0),
  ">=": ordered((c) => c >= 0),
};

function truth(value, what, position) {
  if (value === null || typeof value === "boolean") return value === true;
  return fail(Code.TYPE_ERROR, position, `${what} must be true/false (or empty) but is ${describe(value)}`);
}

const HANDLERS = {
  literal: (ctx, node) => normalise(node.value),
  reference: (ctx, node) => (node.name === null ? ctx.current : ctx.lookup(node.name)),
  list(ctx, node) {
    const items = [];
    for (const item of node.items) {
      const value = ctx.valueOf(item);
      if (Array.isArray(value)) fail(Code.TYPE_ERROR, item.position, "a list cannot contain another list");
      if (value !== null) items.push(value);
    }
    return normalise(Object.freeze(items));
  },
  negate(ctx, node) {
    const value = numberOperand(ctx.valueOf(node.operand), "the operand of unary '-'", node.position);
    return value === null ? null : -value;
  },
  not: (ctx, node) => !truth(ctx.valueOf(node.operand), "the operand of 'not'", node.position),
  arithmetic(ctx, node) {
    const left = numberOperand(ctx.valueOf(node.left), `the left side of '${node.op}'`, node.position);
    const right = numberOperand(ctx.valueOf(node.right), `the right side of '${node.op}'`, node.position);
    if (left === null || right === null) return null;
    const result = ARITHMETIC[node.op](left, right);
    return result !== null && Number.isFinite(result) ? result : null;
  },
  comparison(ctx, node) {
    const left = ctx.valueOf(node.left);
    const right = ctx.valueOf(node.right);
    const symbol = node.op;
    if (Array.isArray(left)) {
      fail(Code.TYPE_ERROR, node.position, `the left side of '${symbol}' is ${describe(left)}; test a ` +
        "multiple-choice answer with selected({q}, 'code') or count_selected({q})");
    }
    if (symbol === "in" || symbol === "not in") {
      if (right !== null && !Array.isArray(right)) {
        fail(Code.TYPE_ERROR, node.position,
          `the right side of '${symbol}' must be a list such as ['a', 'b'] but is ${describe(right)}`);
      }
      if (left === null || right === null) return false;
      const found = right.some((item) => equal(left, item));
      return symbol === "in" ? found : !found;
    }
    if (Array.isArray(right)) {
      fail(Code.TYPE_ERROR, node.position, `the right side of '${symbol}' is ${describe(right)}; lists can only follow 'in'`);
    }
    if (left === null || right === null) return false;
    return COMPARISONS[symbol](left, right);
  },
  logical(ctx, node) {
    const left = truth(ctx.valueOf(node.left), `the left side of '${node.op}'`, node.position);
    if (left === (node.op === "or")) return left;
    return truth(ctx.valueOf(node.right), `the right side of '${node.op}'`, node.position);
  },
  call(ctx, node) {
    const fn = FUNCTIONS[node.name];
    const impl = IMPLEMENTATIONS[node.name];
    if (fn.lazy) return normalise(impl(ctx, node.args.map((arg) => () => ctx.valueOf(arg)), node));
    return normalise(impl(ctx, node.args.map((arg) => ctx.valueOf(arg)), node));
  },
};

// ---------------------------------------------------------------------------------------
// Static analysis and the public API (mirror of analysis.py and expression.py).

function* walk(node) {
  const stack = [node];
  while (stack.length) {
    const current = stack.pop();
    yield current;
    stack.push(...children(current).slice().reverse());
  }
}

function literalCodes(ref, candidates) {
  return candidates
    .filter((c) => c.type === "literal" && typeof c.value === "string" && c.value !== "")
    .map((c) => Object.freeze({ question: ref.name, code: c.value, position: c.position }));
}

function codeUsesOf(tree) {
  const uses = [];
  for (const n of walk(tree)) {
    if (n.type === "call" && n.name === "selected" && n.args[0].type === "reference") {
      uses.push(...literalCodes(n.args[0], [n.args[1]]));
    } else if (n.type === "comparison" && (n.op === "=" || n.op === "!=")) {
      for (const [ref, other] of [[n.left, n.right], [n.right, n.left]]) {
        if (ref.type === "reference") uses.push(...literalCodes(ref, [other]));
      }
    } else if (n.type === "comparison" && (n.op === "in" || n.op === "not in") &&
               n.left.type === "reference" && n.right.type === "list") {
      uses.push(...literalCodes(n.left, n.right.items));
    }
  }
  return Object.freeze(uses.sort((a, b) => a.position - b.position));  // stable sort
}

const TREES = new WeakMap();

/** A parsed expression: immutable, safe to share and to evaluate many times. */
export class Expression {
  constructor(source, tree) {
    const names = new Set();
    const functions = new Set();
    let usesCurrent = false;
    for (const n of walk(tree)) {
      if (n.type === "reference") {
        if (n.name === null) usesCurrent = true;
        else names.add(n.name);
      } else if (n.type === "call") {
        functions.add(n.name);
      }
    }
    this.source = source;
    /** Question ids written as {id} (sorted; {.} excluded: see usesCurrent). */
    this.references = Object.freeze([...names].sort());
    this.usesCurrent = usesCurrent;
    /** Function names called (sorted). */
    this.functions = Object.freeze([...functions].sort());
    TREES.set(this, tree);
    Object.freeze(this);
  }

  /** The value for `answers` (question id → answer; an object or a Map): null, boolean,
   * number, string or array.  `current` is {.}; `now` (Date or ISO string) fixes
   * today()/now(), the device's local clock otherwise. */
  evaluate(answers = {}, { current = null, now = null } = {}) {
    return exportValue(new Context(answers, current, now).valueOf(TREES.get(this)));
  }

  /** Choice codes compared against referenced answers: [{question, code, position}] in
   * source order (question is null for {.}). */
  codeUses() {
    return codeUsesOf(TREES.get(this));
  }
}

const PARSED = new Map();

/** Parse `text`; ExpressionError with `code` and `position` when it is not a valid
 * expression.  Results are cached (4096 texts). */
export function parse(text) {
  if (typeof text !== "string") {
    fail(Code.UNSUPPORTED_VALUE, null, `an expression must be a string, not ${text === null ? "null" : typeof text}`);
  }
  let parsed = PARSED.get(text);
  if (parsed === undefined) {
    parsed = new Expression(text, parseTree(text));
    if (PARSED.size >= 4096) PARSED.delete(PARSED.keys().next().value);
    PARSED.set(text, parsed);
  }
  return parsed;
}

/** Parse (cached) and evaluate in one call; see Expression#evaluate. */
export function evaluate(expression, answers = {}, options = {}) {
  const parsed = expression instanceof Expression ? expression : parse(expression);
  return parsed.evaluate(answers, options ?? {});
}

/** Read a result as a decision: true/false as they are, empty (null, '', []) as `ifEmpty`;
 * anything else is a TYPE_ERROR (no truthiness).  Relevance uses ifEmpty false, constraints
 * ifEmpty true. */
export function toBool(value, { ifEmpty = false } = {}) {
  const normalised = typeof value === "boolean" ? value : fromAnswer(value, "result");
  if (normalised === null) return ifEmpty;
  if (typeof normalised === "boolean") return normalised;
  return fail(Code.TYPE_ERROR, null, `a condition must give true or false but gave ${describe(normalised)}; ` +
    "compare the value, e.g. {q} = 'yes' or {q} > 0");
}
