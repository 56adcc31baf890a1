// An interview on the device: renders the questionnaire JSON page by page (offline), shows
// and hides questions live with walk.js, checks a page before "next", keeps the time spent
// on each page (paradata), ends with a review, and hands the cleaned answers to `onFinish`.
// State (answers, page, history, paradata) is reported through `onChange` so the app can
// keep a draft that survives closing the tab.

import { availableChoices, answerIds, choicesOf, flattenPages, scalePoints, shownPageIds, textOf, walk } from "./walk.js";
import { t } from "./i18n.js";
import { append, el } from "./dom.js";
import { QUESTION_INPUTS, nextId, same } from "./question_inputs.js";

export class InterviewForm {
  /**
   * root: element to render into; doc: questionnaire JSON; options: mode, language, now,
   * state ({raw, pageId, history, pages} to resume), seed (for option shuffles),
   * onFinish({answers, pages}), onChange(state), onCancel().
   */
  constructor(root, doc, { mode, language, now = null, state = null, seed = "", onFinish, onChange = () => {},
                           onCancel = () => {} }) {
    Object.assign(this, { root, doc, mode, language, now, seed, onFinish, onChange, onCancel });
    this.raw = { ...(state?.raw ?? {}) };
    this.history = [...(state?.history ?? [])];
    this.timings = [...(state?.pages ?? [])];
    this.pageId = state?.pageId ?? null;
    this.pageStarted = null;
    this.byId = new Map(flattenPages(doc).map((p) => [p.page.id, p]));
  }

  get state() {
    return { raw: this.raw, pageId: this.pageId, history: this.history, pages: this.timings };
  }

  result() {
    return walk(this.doc, this.raw, { mode: this.mode, now: this.now, language: this.language });
  }

  start() {
    const shown = shownPageIds(this.result());
    if (this.pageId === "__review__") this.showReview();
    else this.showPage(this.pageId && shown.includes(this.pageId) ? this.pageId : shown[0] ?? null);
  }

  stopClock() {
    if (this.pageStarted !== null && this.pageId && this.pageId !== "__review__") {
      const seconds = Math.round((performance.now() - this.pageStarted) / 100) / 10;
      this.timings.push({ page: this.pageId, seconds });
    }
    this.pageStarted = null;
  }

  showPage(pageId) {
    if (pageId === null) {
      this.showReview();
      return;
    }
    this.pageId = pageId;
    this.pageStarted = performance.now();
    const { section, page } = this.byId.get(pageId);
    const form = el("form", { className: "stack interview", novalidate: true, "data-page": pageId });
    const title = textOf(page.title ?? section.title ?? this.doc.title, this.language);
    const heading = el("h2", { text: title, tabindex: "-1" });
    form.append(heading);
    const shown = shownPageIds(this.result());
    const position = shown.indexOf(pageId) + 1;
    form.append(el("p", { className: "progress", text: t(this.language, "page_of", { n: position, total: shown.length }) }));
    if (section.description && (section.pages?.[0]?.id ?? section.id) === pageId) {
      form.append(el("p", { className: "hint", text: textOf(section.description, this.language) }));
    }
    for (const question of page.questions ?? []) {
      if (question.type === "calculate") continue;
      form.append(this.renderQuestion(question));
    }
    const back = el("button", { type: "button", "data-action": "back", text: t(this.language, "back") });
    const next = el("button", { type: "submit", className: "primary", "data-action": "next", text: t(this.language, "next") });
    const cancel = el("button", { type: "button", className: "link", "data-action": "cancel",
                                   text: t(this.language, "cancel_interview") });
    back.disabled = this.history.length === 0;
    form.append(el("div", { className: "nav-buttons" }, back, next), cancel);
    back.addEventListener("click", () => this.back());
    cancel.addEventListener("click", () => this.onCancel());
    form.addEventListener("input", (event) => this.read(event.target));
    form.addEventListener("change", (event) => this.read(event.target));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.next(); });
    this.root.replaceChildren(form);
    this.form = form;
    this.refresh();
    heading.focus();
    this.onChange(this.state);
  }

  renderQuestion(q) {
    const lang = this.language;
    const box = el("div", { className: "question", "data-question": q.id });
    const required = q.required ? el("span", { className: "req", "aria-hidden": "true", text: " *" }) : null;
    const labelText = textOf(q.label, lang);
    const hint = q.hint ? el("p", { className: "hint", text: textOf(q.hint, lang) }) : null;
    if (q.type === "note") {
      box.append(el("p", { className: "note", text: labelText }));
      return box;
    }
    const group = (children) => {
      const fs = el("fieldset", {}, el("legend", {}, labelText, required), hint, ...children);
      if (q.required) fs.setAttribute("aria-required", "true");
      return fs;
    };
    const single = (input) => append(box, el("label", { for: input.id }, labelText, required), hint, input);
    const render = QUESTION_INPUTS[q.type];
    if (render) render(this, q, { box, group, single, lang });
    else box.append(el("p", { className: "error", text: `${q.id}: ${q.type}?` }));
    return box;
  }

  fillCascade(q, box) {
    const choices = choicesOf(this.doc, q);
    let above = null;
    for (const level of q.levels ?? []) {
      const select = box.querySelector(`select[name="${CSS.escape(level.id)}"]`);
      const options = choices.filter((c) => (c.parent ?? null) === above);
      const current = this.raw[level.id];
      const valid = options.some((c) => String(c.code) === String(current));
      select.replaceChildren(el("option", { value: "", text: t(this.language, "choose") }),
        ...options.map((c) => el("option", { value: c.code, text: textOf(c.label, this.language),
                                             selected: (valid && same(current, c.code)) || null })));
      select.disabled = options.length === 0;
      if (!valid) delete this.raw[level.id];
      above = valid ? String(current) : "\u0000none";
    }
  }

  read(target) {
    if (!target?.name) return;
    const name = target.name;
    const inputs = Array.from(this.form.elements).filter((e) => e.name === name);
    if (target.type === "checkbox") {
      this.raw[name] = inputs.filter((i) => i.checked).map((i) => i.value);
    } else if (target.type === "radio") {
      this.raw[name] = inputs.find((i) => i.checked)?.value ?? null;
    } else {
      this.raw[name] = target.value;
    }
    if (target.dataset.cascade) {
      const q = this.byId.get(this.pageId).page.questions.find((x) => x.id === target.dataset.cascade);
      this.fillCascade(q, this.form.querySelector(`[data-question="${CSS.escape(q.id)}"]`));
    }
    this.clearError(name);
    this.refresh();
    this.onChange(this.state);
  }

  refresh() {
    const result = this.result();
    const entry = result.pages.find((p) => p.id === this.pageId);
    const shown = new Set(entry?.questions ?? []);
    for (const box of this.form.querySelectorAll("[data-question]")) {
      const visible = shown.has(box.dataset.question);
      box.hidden = !visible;
      for (const input of box.querySelectorAll("input, select, textarea")) {
        if (!input.dataset.cascade) input.disabled = !visible;
      }
    }
    for (const spec of this.form.querySelectorAll("[data-specify-for]")) {
      const visible = shown.has(spec.dataset.specifyFor) && same(this.raw[spec.dataset.specifyFor], spec.dataset.code);
      spec.hidden = !visible;
      spec.querySelector("input").disabled = !visible;
    }
    // Options with their own relevance: shown only while it holds (on the answers so far).
    const { page } = this.byId.get(this.pageId);
    for (const q of page.questions ?? []) {
      const marked = this.form.querySelectorAll(`[data-question="${CSS.escape(q.id)}"] [data-choice-relevance]`);
      if (!marked.length) continue;
      const available = new Set(availableChoices(this.doc, q, result.answers, this.now).map((c) => String(c.code)));
      for (const node of marked) {
        const input = node.tagName === "OPTION" ? node : node.querySelector("input");
        const shown = available.has(input.value);
        node.hidden = !shown;
        if (!shown && (input.checked || input.selected)) {
          input.checked = false;
          input.selected = false;
          this.read(input.tagName === "OPTION" ? input.parentElement : input);
          return this.result();
        }
      }
    }
    return result;
  }

  clearError(name) {
    const base = name.split("/")[0];
    const selector = `[data-error-for="${CSS.escape(name)}"], [data-error-for="${CSS.escape(base)}"]`;
    for (const node of this.form.querySelectorAll(selector)) node.remove();
  }

  showErrors(problems) {
    for (const node of this.form.querySelectorAll("[data-error-for]")) node.remove();
    for (const box of this.form.querySelectorAll(".question.has-error")) box.classList.remove("has-error");
    let first = null;
    for (const problem of problems) {
      const input = this.form.querySelector(`[name="${CSS.escape(problem.answerId)}"]`);
      const box = input?.closest(".question") ?? this.form.querySelector(".question:not([hidden])");
      if (!box) continue;
      const note = el("p", { className: "error", role: "alert", "data-error-for": problem.answerId,
                             id: nextId(`err-${problem.answerId}`), text: problem.message });
      const anchor = input?.closest("fieldset.item") ?? input?.closest(".specify") ?? box;
      anchor.append(note);
      box.classList.add("has-error");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", note.id);
      }
      first = first ?? input;
    }
    first?.focus();
  }

  next() {
    const result = this.refresh();
    const problems = result.problems.filter((p) => p.page === this.pageId);
    if (problems.length) {
      this.showErrors(problems);
      return;
    }
    const shown = shownPageIds(result);
    const order = flattenPages(this.doc).map((p) => p.page.id);
    const here = order.indexOf(this.pageId);
    const following = shown.find((id) => order.indexOf(id) > here) ?? null;
    this.stopClock();
    this.history.push(this.pageId);
    this.showPage(following);
  }

  back() {
    if (!this.history.length) return;
    this.stopClock();
    const shown = new Set(shownPageIds(this.result()));
    let previous = this.history.pop();
    while (!shown.has(previous) && this.history.length) previous = this.history.pop();
    this.showPage(previous);
  }

  showReview() {
    this.pageId = "__review__";
    const lang = this.language;
    const result = this.result();
    const heading = el("h2", { text: t(lang, "review"), tabindex: "-1" });
    const list = el("dl", { className: "review" });
    for (const { page } of flattenPages(this.doc)) {
      const entry = result.pages.find((p) => p.id === page.id);
      if (!entry?.shown) continue;
      for (const q of page.questions) {
        if (!entry.questions.includes(q.id) || q.type === "note" || q.type === "calculate") continue;
        const parts = answerIds(q).map((id) => {
          const value = result.answers[id];
          if (value === undefined) return null;
          const label = q.type === "matrix" ? `${textOf(q.items.find((i) => i.id === id).label, lang)}: ` : "";
          return label + this.display(q, value);
        }).filter(Boolean);
        list.append(el("dt", { text: textOf(q.label, lang) }),
                    el("dd", { "data-answer": q.id, text: parts.length ? parts.join("; ") : t(lang, "not_answered") }));
      }
    }
    const problems = result.problems;
    const back = el("button", { type: "button", "data-action": "back", text: t(lang, "back") });
    const finish = el("button", { type: "button", className: "primary", "data-action": "finish", text: t(lang, "finish") });
    back.addEventListener("click", () => this.back());
    finish.addEventListener("click", () => {
      if (problems.length) {
        this.history.push("__review__");
        this.showPage(problems[0].page);
        this.showErrors(problems.filter((p) => p.page === this.pageId));
        return;
      }
      finish.disabled = true;
      this.onFinish({ answers: result.answers, pages: this.timings });
    });
    const buttons = el("div", { className: "nav-buttons" }, back, finish);
    this.root.replaceChildren(el("section", { className: "stack" }, heading, list, buttons));
    heading.focus();
    this.onChange(this.state);
  }

  display(q, value) {
    const lang = this.language;
    const choices = new Map(choicesOf(this.doc, q).map((c) => [String(c.code), textOf(c.label, lang)]));
    if (q.type === "rating" || q.type === "matrix" || q.type === "nps") {
      const point = scalePoints(this.doc, q, lang).find((p) => String(p.value) === String(value));
      return point?.label ? `${point.na ? "" : `${value} `}${point.label}` : String(value);
    }
    if (Array.isArray(value)) return value.map((v) => choices.get(String(v)) ?? v).join(", ");
    return choices.get(String(value)) ?? String(value);
  }
}
