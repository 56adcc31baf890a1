// The questionnaire walk of survey_engine/instruments/answers.py, in the browser, offline:
// pages in document order, routing by relevance, mode and respondent type on the answers
// kept so far, answers of hidden questions discarded, calculations filled in, and the
// checks of one page (required, type, range, choices, text rules, constraint) with the
// server's bilingual messages.  Pure functions over the questionnaire JSON document.

import { evaluate, fullMatch, toBool } from "../expressions.js";
import { readAnswer } from "../skip_logic.js";

const MESSAGES = {
  required: { zh: "此题必须回答。", en: "This question is required." },
  not_a_number: { zh: "请输入数字。", en: "Please enter a number." },
  not_an_integer: { zh: "请输入整数。", en: "Please enter a whole number." },
  not_a_date: { zh: "请输入有效日期（年-月-日）。", en: "Please enter a valid date (YYYY-MM-DD)." },
  not_on_scale: { zh: "请选择量表上的一项。", en: "Please choose a point on the scale." },
  below_minimum: { zh: "不能小于 {limit}。", en: "Must be at least {limit}." },
  above_maximum: { zh: "不能大于 {limit}。", en: "Must be at most {limit}." },
  too_many_decimals: { zh: "最多保留 {limit} 位小数。", en: "At most {limit} decimal places." },
  too_few_selected: { zh: "请至少选择 {limit} 项。", en: "Choose at least {limit}." },
  too_many_selected: { zh: "最多选择 {limit} 项。", en: "Choose at most {limit}." },
  exclusive_combined: { zh: "“{value}”不能与其他选项同时选择。", en: "“{value}” cannot be combined with other answers." },
  specify_missing: { zh: "请注明“{value}”的具体内容。", en: "Please specify “{value}”." },
  too_long: { zh: "最多 {limit} 个字。", en: "At most {limit} characters." },
  pattern: { zh: "格式不正确。", en: "The format is not accepted." },
  constraint: { zh: "此答案不符合要求，请检查。", en: "This answer is not accepted; please check it." },
  wrong_parent: { zh: "请按层级重新选择。", en: "Please choose again from the level above." },
};

/** Text of a {zh, en} object in `language`, falling back to the other language. */
export function textOf(text, language) {
  if (text === null || text === undefined) return "";
  if (typeof text === "string") return text;
  return text[language] ?? text.zh ?? text.en ?? Object.values(text)[0] ?? "";
}

function message(code, language, values = {}) {
  return textOf(MESSAGES[code], language).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
}

/** Pages in document order: [{section, page, index}] (a section without pages is one page). */
export function flattenPages(doc) {
  const out = [];
  for (const section of doc.sections ?? []) {
    const pages = section.pages ?? [{ id: section.id, questions: section.questions ?? [] }];
    for (const page of pages) out.push({ section, page, index: out.length });
  }
  return out;
}

/** The scale object of a rating/matrix question (inline or by id); NPS is 0..10. */
export function scaleOf(doc, question) {
  if (question.type === "nps") return { points: 11, start: 0, labels: {} };
  const ref = question.scale;
  const scale = typeof ref === "string" ? doc.scales?.[ref] : ref;
  return scale ?? { points: 5, start: 1 };
}

/** Scale points in display order: [{value, label}] plus {value: code, na: true} for not applicable. */
export function scalePoints(doc, question, language) {
  const scale = scaleOf(doc, question);
  const start = scale.start ?? 1;
  const values = Array.from({ length: scale.points }, (_, i) => start + i);
  if (scale.order === "descending") values.reverse();
  const points = values.map((v) => ({ value: v, label: textOf(scale.labels?.[String(v)], language) }));
  if (scale.not_applicable) {
    points.push({ value: scale.not_applicable.code, label: textOf(scale.not_applicable.label, language), na: true });
  }
  return points;
}

/** The choices of a choice question (inline or from choice_lists). */
export function choicesOf(doc, question) {
  if (Array.isArray(question.choices)) return question.choices;
  if (question.choices && Array.isArray(question.choices.choices)) return question.choices.choices;
  return doc.choice_lists?.[question.choice_list]?.choices ?? [];
}

/** Every answer id a question owns (matrix items, cascade levels, specify texts excluded). */
export function answerIds(question) {
  if (question.type === "matrix") return (question.items ?? []).map((i) => i.id);
  if (question.type === "cascading_select") return (question.levels ?? []).map((l) => l.id);
  if (question.type === "note") return [];
  return [question.id];
}

function isEmpty(value) {
  return value === null || value === undefined || (typeof value === "string" && value.trim() === "")
    || (Array.isArray(value) && value.length === 0);
}

function condition(expression, answers, now, { current = null, ifEmpty }) {
  if (!expression) return true;
  try {
    return toBool(evaluate(expression, answers, { current, now }), { ifEmpty });
  } catch {
    return false;
  }
}

function routedIn(doc, holder, answers, mode) {
  if (Array.isArray(holder.modes) && !holder.modes.includes(mode)) return false;
  if (Array.isArray(holder.respondent_types)) {
    return holder.respondent_types.includes(answers[doc.respondent_type_question ?? ""]);
  }
  return true;
}

const READ_TYPE = { rating: "rating", nps: "nps", matrix: "matrix", integer: "integer", decimal: "decimal",
                    date: "date", multiple_choice: "multiple_choice" };

/** A raw answer read as the server coerces it (null when unreadable or empty). */
function typed(question, value) {
  if (isEmpty(value)) return null;
  const type = READ_TYPE[question.type] ?? null;
  if (Array.isArray(value)) return readAnswer(value.map(String), { type, multiple: true });
  if (typeof value === "number" && (type === "rating" || type === "nps" || type === "matrix" || type === "integer")) {
    return Number.isInteger(value) ? value : null;
  }
  if (typeof value === "number") return value;
  return readAnswer([String(value)], { type });
}

function today(now) {
  if (typeof now === "string") return now.slice(0, 10);
  const d = now instanceof Date ? now : new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Choices of `question` available with `answers` (choice relevance). */
export function availableChoices(doc, question, answers, now = null) {
  return choicesOf(doc, question).filter((c) => condition(c.relevance, answers, now, { ifEmpty: false }));
}

function checkValue(doc, question, answerId, raw, answers, state, language) {
  // Coerce and check one answer; returns the typed value (kept in answers) or null.
  const fail = (id, code, values) => state.problems.push({ answerId: id, code, message: message(code, language, values) });
  if (isEmpty(raw)) return null;
  const kind = question.type;
  const value = typed(question, raw);
  if (kind === "rating" || kind === "nps" || kind === "matrix") {
    const scale = scaleOf(doc, question);
    const na = scale.not_applicable?.code;
    const start = scale.start ?? 1;
    if (na !== undefined && String(raw).trim() === na) return na;
    if (typeof value !== "number" || value < start || value >= start + scale.points) {
      fail(answerId, "not_on_scale");
      return null;
    }
    return value;
  }
  if (kind === "integer" && value === null) {
    fail(answerId, typed({ type: "decimal" }, raw) === null ? "not_a_number" : "not_an_integer");
    return null;
  }
  if (kind === "decimal" && value === null) { fail(answerId, "not_a_number"); return null; }
  if (kind === "date" && value === null) { fail(answerId, "not_a_date"); return null; }
  if (kind === "decimal" && question.decimals !== undefined) {
    const text = String(raw).trim().replace(/[，,]/g, ".");
    const places = text.includes(".") ? text.split(".", 2)[1].length : 0;
    if (places > question.decimals) { fail(answerId, "too_many_decimals", { limit: question.decimals }); return null; }
  }
  if (kind === "integer" || kind === "decimal" || kind === "date") {
    const low = kind === "date" && question.min === "today" ? today(state.now) : question.min;
    const high = kind === "date" && question.max === "today" ? today(state.now) : question.max;
    if (low !== undefined && low !== null && value < low) fail(answerId, "below_minimum", { limit: low });
    if (high !== undefined && high !== null && value > high) fail(answerId, "above_maximum", { limit: high });
  }
  if (kind === "text" || kind === "long_text") {
    const text = String(raw).trim();
    if (question.max_length !== undefined && [...text].length > question.max_length) {
      fail(answerId, "too_long", { limit: question.max_length });
    } else if (question.pattern && !safeMatch(question.pattern, text)) {
      state.problems.push({ answerId, code: "pattern",
                            message: question.pattern_message ? textOf(question.pattern_message, language)
                              : message("pattern", language) });
    }
    return text;
  }
  if (kind === "single_choice" || kind === "multiple_choice" || kind === "cascading_select") {
    return kind === "multiple_choice" ? value : String(raw).trim();
  }
  return value;
}

function safeMatch(pattern, text) {
  try {
    return fullMatch(pattern, text);
  } catch {
    return true;  // a pattern the engine refuses is the server's to report
  }
}

function checkChoices(doc, question, value, raw, answers, state, language) {
  const fail = (id, code, values) => state.problems.push({ answerId: id, code, message: message(code, language, values) });
  const available = new Map(availableChoices(doc, question, answers, state.now).map((c) => [String(c.code), c]));
  const selected = Array.isArray(value) ? value : [value];
  if (selected.some((code) => !available.has(code))) {
    delete answers[question.id];
    return;
  }
  if (question.type === "multiple_choice") {
    const exclusive = selected.filter((code) => available.get(code).exclusive);
    if (exclusive.length && selected.length > 1) {
      fail(question.id, "exclusive_combined", { value: textOf(available.get(exclusive[0]).label, language) });
    }
    if (question.min_selected && selected.length < question.min_selected && !exclusive.length) {
      fail(question.id, "too_few_selected", { limit: question.min_selected });
    }
    if (question.max_selected && selected.length > question.max_selected) {
      fail(question.id, "too_many_selected", { limit: question.max_selected });
    }
  }
  for (const code of selected) {
    if (!available.get(code).specify) continue;
    const key = `${question.id}/${code}`;
    const text = raw[key];
    if (isEmpty(text) || typeof text !== "string") {
      fail(key, "specify_missing", { value: textOf(available.get(code).label, language) });
    } else {
      answers[key] = text.trim().slice(0, 500);
    }
  }
}

function visitQuestion(doc, question, raw, answers, state, language) {
  const kind = question.type;
  if (kind === "note") return;
  if (kind === "calculate") {
    try {
      const value = evaluate(question.calculation, answers, { now: state.now });
      if (value !== null) answers[question.id] = value;
    } catch { /* the server reports broken calculations */ }
    return;
  }
  const fail = (id, code) => state.problems.push({ answerId: id, code, message: message(code, language) });
  if (kind === "matrix") {
    for (const item of question.items ?? []) {
      if (item.relevance && !condition(item.relevance, answers, state.now, { ifEmpty: false })) continue;
      const before = state.problems.length;
      const value = checkValue(doc, question, item.id, raw[item.id], answers, state, language);
      if (value !== null) answers[item.id] = value;
      const required = item.required ?? question.required;
      if (value === null && required && state.problems.length === before) fail(item.id, "required");
    }
    return;
  }
  if (kind === "cascading_select") {
    const parents = new Map(choicesOf(doc, question).map((c) => [String(c.code), c.parent ?? null]));
    let above = null;
    for (const level of question.levels ?? []) {
      const value = checkValue(doc, question, level.id, raw[level.id], answers, state, language);
      if (value === null) { above = null; continue; }
      if (!parents.has(value) || (parents.get(value) ?? null) !== above) {
        fail(level.id, "wrong_parent");
      } else {
        answers[level.id] = value;
      }
      above = value;
    }
    const first = question.levels?.[0]?.id;
    if (question.required && first && answers[first] === undefined && !state.problems.some((p) => p.answerId === first)) {
      fail(first, "required");
    }
    return;
  }
  const before = state.problems.length;
  const value = checkValue(doc, question, question.id, raw[question.id], answers, state, language);
  if (value === null) {
    if (question.required && state.problems.length === before) fail(question.id, "required");
    return;
  }
  answers[question.id] = value;
  if (kind === "single_choice" || kind === "multiple_choice") checkChoices(doc, question, value, raw, answers, state, language);
  const constraint = question.constraint;
  if (constraint && state.problems.length === before && question.id in answers) {
    if (!condition(constraint.expression, answers, state.now, { current: value, ifEmpty: true })) {
      state.problems.push({ answerId: question.id, code: "constraint",
                            message: constraint.message ? textOf(constraint.message, language) : message("constraint", language) });
    }
  }
}

/**
 * Walk the whole questionnaire on `raw` answers.
 * Returns {answers (cleaned, with calculations), pages: [{page id, shown, questions: [ids shown]}],
 *          problems: [{answerId, code, message, page}]} — problems of every shown page.
 */
export function walk(doc, raw, { mode = "intercept", now = null, language = "zh" } = {}) {
  const answers = {};
  const state = { problems: [], now };
  const pages = [];
  for (const { section, page } of flattenPages(doc)) {
    const sectionShown = routedIn(doc, section, answers, mode)
      && condition(section.relevance, answers, now, { ifEmpty: false });
    const pageShown = sectionShown && condition(page.relevance, answers, now, { ifEmpty: false });
    const shownQuestions = [];
    for (const question of page.questions ?? []) {
      if (!pageShown || !routedIn(doc, question, answers, mode)
          || !condition(question.relevance, answers, now, { ifEmpty: false })) continue;
      const before = state.problems.length;
      visitQuestion(doc, question, raw, answers, state, language);
      for (const problem of state.problems.slice(before)) problem.page = page.id;
      shownQuestions.push(question.id);
    }
    const visible = shownQuestions.some((id) => (page.questions.find((q) => q.id === id)?.type ?? "") !== "calculate");
    pages.push({ id: page.id, shown: visible, questions: shownQuestions });
  }
  return { answers, pages, problems: state.problems };
}

/** Ids of the pages shown, in order. */
export function shownPageIds(result) {
  return result.pages.filter((p) => p.shown).map((p) => p.id);
}
