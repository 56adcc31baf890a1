// Live skip logic and answer checks for a questionnaire page, using expressions.js.
//
// Data-attribute contract (the server renders it; nothing else is needed):
//
//   <form data-skip-logic                       opt in; the module attaches itself on load
//         data-answers='{"q1": "a"}'            optional: JSON answers of the EARLIER pages, as
//                                               the server stores them (typed values)
//         data-now="2024-06-15T10:30:00"        optional: fixes today()/now() (e.g. server time);
//                                               the device's local clock otherwise
//         data-language="zh">                   optional: zh | en for messages (else <html lang>)
//     <div data-relevance="{q1} = 'a'">         any block (section, page part) with a relevance
//       <div data-answer-id="q2"                a question container; its inputs are named q2
//            data-relevance="{q1} != 'b'">      optional relevance of the question
//         <input name="q2" data-type="integer"  data-type: how the value is read (below); may also
//                                               sit on the container or any ancestor
//                data-constraint="{.} <= 100"   optional answer check; {.} is this answer
//                data-constraint-message-zh="不能超过 100"
//                data-constraint-message-en="At most 100">
//       </div>
//       <div data-answer-id="total" data-calculation="sum({q2}, {q3})"></div>   optional
//     </div>
//   </form>
//
// * Containers are the elements with data-relevance, data-answer-id or data-calculation, in
//   document order; every named input, select and textarea belongs to its closest container
//   (inputs outside any container are ignored).  Nested containers inherit: a block that is
//   not relevant hides everything inside it.
// * Relevance is decided the way the server walks a questionnaire (instruments/answers.py):
//   in document order, on the answers of the earlier pages plus the answers of the relevant
//   containers that come before; an empty result or an expression error hides.
// * A container that is not relevant gets the `hidden` attribute and its inputs are disabled
//   (so the browser does not submit them); they are enabled again when it becomes relevant.
//   Inputs the page itself disabled stay disabled and are not read.
// * Answers are read as the server reads them (instruments/answer_values.py): checkboxes,
//   <select multiple> and data-type="multiple_choice" give a list of the chosen codes;
//   data-type rating | nps | matrix give a whole number (a non-numeric value, the
//   not-applicable code, stays text); integer gives a whole number, decimal a number
//   (',' and '，' read as a decimal point); date gives 'YYYY-MM-DD'; everything else the
//   trimmed text.  Blank answers and values the server would refuse are unanswered.
// * A constraint is checked only while its answer is not empty; a false result sets the
//   message of the page language with setCustomValidity and aria-invalid="true", and shows it
//   in a <p class="error" data-constraint-feedback role="alert"> inserted after the input
//   (linked by aria-describedby; needed because a `novalidate` form never shows custom
//   validity).  A true or empty result, or an expression error (the server reports those
//   itself), clears it.  Submission is never blocked: the server checks the page again.
//
// The pure parts (readAnswer, collectAnswers, decide) are exported for tests; attachSkipLogic
// does the DOM wiring.

import { evaluate, toBool } from "./expressions.js";

const CONTAINER_SELECTOR = "[data-relevance], [data-answer-id], [data-calculation]";
const DISABLED_MARK = "data-skip-logic-disabled";
const INVALID_MARK = "data-skip-logic-invalid";
const NUMERIC_TYPES = new Set(["rating", "nps", "matrix"]);
const IGNORED_INPUT_TYPES = new Set(["submit", "button", "reset", "image", "file"]);
const DEFAULT_MESSAGES = { zh: "此答案不符合要求，请检查。", en: "This answer is not accepted; please check it." };
const NUMBER_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const ISO_DAY = /^([0-9]{4})-?([0-9]{2})-?([0-9]{2})$/;

function parseNumber(text) {
  // Python's float() after the server's replace(",", ".") / replace("，", "."); full-width
  // digits read as digits as Python reads them.
  const ascii = text.replace(/[，,]/g, ".").replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (!NUMBER_TEXT.test(ascii)) return null;
  const value = Number(ascii);
  return Number.isFinite(value) ? value : null;
}

function isoDay(text) {
  const match = ISO_DAY.exec(text);
  if (match === null) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const probe = new Date(Date.UTC(2000, month - 1, day));
  probe.setUTCFullYear(year);  // Date.UTC maps years 0-99 to 19xx
  const valid = year >= 1 && probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
  return valid ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

/** One answer from the raw strings of its inputs, typed as the server stores it; null when
 * unanswered or not readable.  `type` is the data-type; `multiple` marks a list answer. */
export function readAnswer(values, { type = null, multiple = false } = {}) {
  const texts = values.map((v) => String(v).trim()).filter((v) => v !== "");
  if (multiple || type === "multiple_choice") {
    const codes = [...new Set(texts)];
    return codes.length ? codes : null;
  }
  if (texts.length === 0) return null;
  const text = texts[texts.length - 1];
  if (NUMERIC_TYPES.has(type)) {
    const number = parseNumber(text);
    return number !== null && Number.isInteger(number) ? number : text;  // text: the not-applicable code
  }
  if (type === "integer") {
    const number = parseNumber(text);
    return number !== null && Number.isInteger(number) ? number : null;
  }
  if (type === "decimal") return parseNumber(text);
  if (type === "date") return isoDay(text);
  return text;
}

/** Answers by id from raw fields [{name, values: [string], type, multiple}]; fields with the
 * same name (radio buttons, checkbox groups) are merged.  Unanswered ids are left out. */
export function collectAnswers(fields) {
  const grouped = new Map();
  for (const field of fields) {
    const entry = grouped.get(field.name) ?? { values: [], type: null, multiple: false };
    entry.values.push(...field.values);
    entry.type = entry.type ?? field.type ?? null;
    entry.multiple = entry.multiple || Boolean(field.multiple);
    grouped.set(field.name, entry);
  }
  const answers = {};
  for (const [name, entry] of grouped) {
    const value = readAnswer(entry.values, entry);
    if (value !== null) answers[name] = value;
  }
  return answers;
}

function check(expression, answers, options, ifEmpty) {
  try {
    return { ok: toBool(evaluate(expression, answers, options), { ifEmpty }), error: null };
  } catch (error) {
    return { ok: null, error };
  }
}

/**
 * Decide what is shown, in document order, as the server does.
 *
 * nodes: [{parent: index of the enclosing node or null, relevance: text or null,
 *          calculation: text or null, answerId: text or null,
 *          answers: {id: value} read from the node's own inputs, ids: [input names],
 *          constraints: [{answerId, expression}]}]
 * Returns {relevant: [boolean], answers: {id: value} (what the server would keep),
 *          constraints: [{node, answerId, ok}] (ok null when not checked or on an error),
 *          errors: [{node, expression, error}]}.
 */
export function decide(nodes, { prior = {}, now = null } = {}) {
  // Ids answered on this page are taken from the page only, never from the earlier answers.
  // (A calculated id is recomputed here only when its container carries the calculation.)
  const own = new Set(nodes.flatMap((node) => [
    ...(node.ids ?? []), ...Object.keys(node.answers ?? {}), ...(node.calculation && node.answerId ? [node.answerId] : []),
  ]));
  const answers = Object.fromEntries(Object.entries(prior).filter(([id]) => !own.has(id)));
  const relevant = [];
  const constraints = [];
  const errors = [];
  nodes.forEach((node, index) => {
    let shown = node.parent === null || node.parent === undefined ? true : relevant[node.parent];
    if (shown && node.relevance) {
      const result = check(node.relevance, answers, { now }, false);
      if (result.error) errors.push({ node: index, expression: node.relevance, error: result.error });
      shown = result.ok === true;
    }
    relevant.push(shown);
    if (!shown) return;
    Object.assign(answers, node.answers ?? {});
    if (node.calculation && node.answerId) {
      try {
        const value = evaluate(node.calculation, answers, { now });
        if (value !== null) answers[node.answerId] = value;
      } catch (error) {
        errors.push({ node: index, expression: node.calculation, error });
      }
    }
    for (const { answerId, expression } of node.constraints ?? []) {
      const current = answers[answerId];
      if (current === undefined || current === null) {
        constraints.push({ node: index, answerId, ok: null });
        continue;
      }
      const result = check(expression, answers, { current, now }, true);
      if (result.error) errors.push({ node: index, expression, error: result.error });
      constraints.push({ node: index, answerId, ok: result.ok });
    }
  });
  return { relevant, answers, constraints, errors };
}

/** The constraint message for `language` ('zh' or 'en'), falling back to the other one. */
export function constraintMessage(messages, language) {
  const other = language === "en" ? "zh" : "en";
  return messages[language] || messages[other] || DEFAULT_MESSAGES[language] || DEFAULT_MESSAGES.zh;
}

// ---------------------------------------------------------------------------------------
// DOM wiring.

function pageLanguage(form, language) {
  const chosen = language ?? form.dataset.language ?? form.ownerDocument.documentElement.lang ?? "zh";
  return String(chosen).toLowerCase().startsWith("en") ? "en" : "zh";
}

function rawValues(element) {
  if (element.type === "checkbox" || element.type === "radio") return element.checked ? [element.value] : [];
  if (element.tagName === "SELECT" && element.multiple) {
    return Array.from(element.options).filter((o) => o.selected).map((o) => o.value);
  }
  return [element.value];
}

function readPage(form) {
  const containers = Array.from(form.querySelectorAll(CONTAINER_SELECTOR));
  const indexOf = new Map(containers.map((element, index) => [element, index]));
  const nodes = containers.map((element) => {
    const enclosing = element.parentElement?.closest(CONTAINER_SELECTOR);
    return {
      element,
      parent: enclosing && indexOf.has(enclosing) ? indexOf.get(enclosing) : null,
      relevance: element.dataset.relevance ?? null,
      calculation: element.dataset.calculation ?? null,
      answerId: element.dataset.answerId ?? null,
      fields: [],
      inputs: [],
      constraints: [],
    };
  });
  for (const element of Array.from(form.elements)) {
    if (!element.name || IGNORED_INPUT_TYPES.has(element.type)) continue;
    const container = element.closest(CONTAINER_SELECTOR);
    if (!indexOf.has(container)) continue;
    const node = nodes[indexOf.get(container)];
    node.inputs.push(element);
    if (element.dataset.constraint) {
      node.constraints.push({ answerId: element.name, expression: element.dataset.constraint, element });
    }
    if (element.disabled && !element.hasAttribute(DISABLED_MARK)) continue;
    node.fields.push({
      name: element.name,
      values: rawValues(element),
      type: element.closest("[data-type]")?.dataset.type ?? null,
      multiple: element.type === "checkbox" || (element.tagName === "SELECT" && element.multiple),
    });
  }
  for (const node of nodes) {
    node.answers = collectAnswers(node.fields);
    node.ids = node.inputs.map((input) => input.name);
  }
  return nodes;
}

function priorAnswers(form) {
  if (!form.dataset.answers) return {};
  try {
    const parsed = JSON.parse(form.dataset.answers);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    console.warn("skip_logic: data-answers is not valid JSON; earlier answers are ignored");
    return {};
  }
}

function setEnabled(input, enabled) {
  if (!enabled && !input.disabled) {
    input.disabled = true;
    input.setAttribute(DISABLED_MARK, "");
  } else if (enabled && input.hasAttribute(DISABLED_MARK)) {
    input.disabled = false;
    input.removeAttribute(DISABLED_MARK);
  }
}

const feedbackOf = new WeakMap();

function showProblem(element, ok, lang) {
  const messages = { zh: element.dataset.constraintMessageZh, en: element.dataset.constraintMessageEn };
  const message = ok === false ? constraintMessage(messages, lang) : "";
  element.setCustomValidity(message);
  if (message) {
    element.setAttribute("aria-invalid", "true");
    element.setAttribute(INVALID_MARK, "");
  } else if (element.hasAttribute(INVALID_MARK)) {
    // Only undo what this module set: a server-rendered aria-invalid (e.g. "required") stays.
    element.removeAttribute("aria-invalid");
    element.removeAttribute(INVALID_MARK);
  }
  showFeedback(element, message);
}

function showFeedback(element, message) {
  // The page form is `novalidate`, so the browser never shows custom validity itself: the
  // message is also written to a <p class="error" data-constraint-feedback> after the input.
  let note = feedbackOf.get(element);
  if (!note && !message) return;
  if (!note) {
    note = element.ownerDocument.createElement("p");
    note.className = "error";
    note.id = `${element.name}-live-error`;
    note.setAttribute("data-constraint-feedback", "");
    note.setAttribute("role", "alert");
    element.insertAdjacentElement("afterend", note);
    const described = (element.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
    element.setAttribute("aria-describedby", [...described, note.id].join(" "));
    feedbackOf.set(element, note);
  }
  if (note.textContent !== message) note.textContent = message;  // unchanged text: no new alert
  note.hidden = !message;
}

/** Wire live relevance and constraint checks to `form`; returns {refresh, detach}.
 * Options: now (Date or ISO text; default data-now or the local clock), language. */
export function attachSkipLogic(form, { now = null, language = null } = {}) {
  const lang = pageLanguage(form, language);
  const clock = now ?? form.dataset.now ?? null;
  const prior = priorAnswers(form);
  const warned = new Set();
  const refresh = () => {
    const nodes = readPage(form);
    const decision = decide(nodes, { prior, now: clock });
    nodes.forEach((node, index) => {
      const shown = decision.relevant[index];
      if (node.relevance) node.element.hidden = !shown;
      for (const input of node.inputs) setEnabled(input, shown);
    });
    // One final state per input (several constraints may share an answer id): false wins.
    const states = new Map(nodes.flatMap((node) => node.constraints.map((c) => [c.element, null])));
    for (const { node, answerId, ok } of decision.constraints) {
      for (const constraint of nodes[node].constraints) {
        if (constraint.answerId === answerId && states.get(constraint.element) !== false) states.set(constraint.element, ok);
      }
    }
    states.forEach((ok, element) => showProblem(element, ok, lang));
    for (const { expression, error } of decision.errors) {
      if (warned.has(expression)) continue;
      warned.add(expression);
      console.warn(`skip_logic: ${expression}: ${error.message}`);
    }
    return decision;
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
  return {
    refresh,
    detach() {
      form.removeEventListener("input", refresh);
      form.removeEventListener("change", refresh);
    },
  };
}

/** Attach to every form[data-skip-logic] under `root`. */
export function autoAttach(root = document) {
  return Array.from(root.querySelectorAll("form[data-skip-logic]"), (form) => attachSkipLogic(form));
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => autoAttach());
  else autoAttach();
}
