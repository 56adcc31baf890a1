// The inputs of each question type: one renderer per type in a read-only table (an unknown
// type shows an error in its place).  Each renderer appends to the question's box through
// `ui` = {box, group(children) → fieldset with the label as legend, single(input) → label +
// input, lang}; `form` is the InterviewForm (questionnaire, answers so far, shuffle seed).

import { el } from "./dom.js";
import { localDay } from "./intercept.js";
import { t } from "./i18n.js";
import { choicesOf, scalePoints, textOf } from "./walk.js";

let uniqueId = 0;
/** A document-unique element id derived from `base`. */
export const nextId = (base) => `f${++uniqueId}-${base.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** Whether the raw answer (a value or a list) holds `value`. */
export function same(raw, value) {
  if (Array.isArray(raw)) return raw.map(String).includes(String(value));
  return raw !== undefined && raw !== null && String(raw) === String(value);
}

/** A radio button or checkbox with its label, the whole row being the touch target. */
export function option(type, name, value, label, checked, relevance = null) {
  const id = nextId(`${name}-${value}`);
  const input = el("input", { type, name, value, id, checked: checked || null });
  return el("label", { className: "option", for: id, "data-choice-relevance": relevance }, input, el("span", { text: label }));
}

function shuffled(items, seed) {
  // Deterministic per interview and question, so going back and forth keeps the order;
  // choices marked `fixed` keep their place.
  let state = 0;
  for (const ch of seed) state = (Math.imul(state, 31) + ch.charCodeAt(0)) >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = [...items];
  const movable = out.map((c, i) => (c.fixed ? -1 : i)).filter((i) => i >= 0);
  const picked = movable.map((i) => out[i]);
  for (let i = picked.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  movable.forEach((index, k) => { out[index] = picked[k]; });
  return out;
}

function orderedChoices(form, q) {
  const choices = choicesOf(form.doc, q);
  return q.randomize ? shuffled(choices, form.seed + q.id) : choices;
}

function choiceOptions(form, type, name, choices) {
  return el("div", { className: "options" }, choices.map((c) =>
    option(type, name, c.code, textOf(c.label, form.language), same(form.raw[name], c.code), c.relevance)));
}

function scaleOptions(form, name, points) {
  const label = (p) => (p.label ? (p.na ? p.label : `${p.value} ${p.label}`) : String(p.value));
  return el("div", { className: "options scale" },
    points.map((p) => option("radio", name, p.value, label(p), same(form.raw[name], p.value))));
}

function specifyInput(form, q, choice) {
  const name = `${q.id}/${choice.code}`;
  const id = nextId(name);
  const label = `${textOf(choice.label, form.language)} — ${t(form.language, "please_specify")}`;
  return el("div", { className: "specify", "data-specify-for": q.id, "data-code": choice.code },
            el("label", { for: id, text: label }),
            el("input", { type: "text", name, id, value: form.raw[name] ?? null, maxlength: 500 }));
}

function singleChoice(form, q, { box, group, single, lang }) {
  const choices = orderedChoices(form, q);
  if (q.appearance === "dropdown") {
    single(el("select", { name: q.id, id: nextId(q.id) }, el("option", { value: "", text: t(lang, "choose") }),
      choices.map((c) => el("option", { value: c.code, text: textOf(c.label, lang), selected: same(form.raw[q.id], c.code) || null,
                                        "data-choice-relevance": c.relevance ?? null }))));
  } else {
    box.append(group([choiceOptions(form, "radio", q.id, choices)]));
  }
  for (const c of choices.filter((x) => x.specify)) box.append(specifyInput(form, q, c));
}

function multipleChoice(form, q, { box, group }) {
  const choices = orderedChoices(form, q);
  box.append(group([choiceOptions(form, "checkbox", q.id, choices)]));
  for (const c of choices.filter((x) => x.specify)) box.append(specifyInput(form, q, c));
}

function scale(form, q, { box, group, lang }) {
  const ends = q.type === "nps" && q.low_label
    ? el("p", { className: "hint", text: `0 = ${textOf(q.low_label, lang)}; 10 = ${textOf(q.high_label, lang)}` }) : null;
  box.append(group([ends, scaleOptions(form, q.id, scalePoints(form.doc, q, lang))]));
}

function matrix(form, q, { box, group, lang }) {
  // One fieldset per item: on a 360 px phone a grid of radio buttons would not fit.
  const points = scalePoints(form.doc, q, lang);
  box.append(group((q.items ?? []).map((item) => el("fieldset", { className: "item", "data-item": item.id },
    el("legend", { text: textOf(item.label, lang) }), scaleOptions(form, item.id, points)))));
}

function number(form, q, { box, single, lang }) {
  single(el("input", { type: "text", name: q.id, id: nextId(q.id), inputmode: q.type === "integer" ? "numeric" : "decimal",
                       value: form.raw[q.id] ?? null, autocomplete: "off" }));
  if (q.unit) box.append(el("span", { className: "hint", text: textOf(q.unit, lang) }));
}

function text(form, q, { single }) {
  single(el("input", { type: "text", name: q.id, id: nextId(q.id), maxlength: q.max_length ?? null,
                       value: form.raw[q.id] ?? null, autocomplete: "off" }));
}

function longText(form, q, { single }) {
  const area = el("textarea", { name: q.id, id: nextId(q.id), maxlength: q.max_length ?? null });
  area.value = form.raw[q.id] ?? "";
  single(area);
}

function date(form, q, { single }) {
  const today = localDay(new Date());
  const limit = (value) => (value === "today" ? today : value ?? null);
  single(el("input", { type: "date", name: q.id, id: nextId(q.id), value: form.raw[q.id] ?? null,
                       min: limit(q.min), max: limit(q.max) }));
}

function cascade(form, q, { box, group, lang }) {
  // One select per level; each level's options follow the level above (form.fillCascade).
  box.append(group((q.levels ?? []).map((level) => {
    const id = nextId(level.id);
    return el("div", { "data-level": level.id }, el("label", { for: id, text: textOf(level.label, lang) }),
              el("select", { name: level.id, id, "data-cascade": q.id }));
  })));
  form.fillCascade(q, box);
}

/** Question type → renderer.  `note` and `calculate` have no inputs (form.js handles them). */
export const QUESTION_INPUTS = Object.freeze({
  single_choice: singleChoice,
  multiple_choice: multipleChoice,
  rating: scale,
  nps: scale,
  matrix,
  integer: number,
  decimal: number,
  text,
  long_text: longText,
  date,
  cascading_select: cascade,
});
