// The interviewer app (PWA): works from IndexedDB when offline, sends through the outbox.
// Views: home (intercept campaigns, household assignments, returned interviews, sync
// problems), intercept (slot, every-k-th count, tally, quotas), visit (attempt with a
// disposition code), roster (Kish / last birthday) and the interview itself (form.js).

import { el } from "./dom.js";
import { InterviewForm } from "./form.js";
import { t, LANGUAGES } from "./i18n.js";
import { rosterView, visitView } from "./household_view.js";
import { isoWithOffset, localDate } from "./intercept.js";
import { interceptView } from "./intercept_view.js";
import { Outbox } from "./outbox.js";
import { STORES, deleteValue, getValue, persistStorage, putValue } from "./store.js";
import { textOf } from "./walk.js";

const shell = document.body.dataset;
const state = {
  lang: shell.lang === "en" ? "en" : "zh", boot: null, csrf: shell.csrf ?? null, counts: { pending: 0, conflict: 0, rejected: 0 },
  items: [], paused: false, view: "home", params: {}, draft: null,
};
const view = document.getElementById("view");
let outbox = null;

const tr = (key, values) => t(state.lang, key, values);
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : fallbackUuid());
function fallbackUuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------- data

async function loadBootstrap() {
  try {
    const response = await fetch("/field/api/bootstrap", { credentials: "same-origin", redirect: "manual", cache: "no-store",
                                                            headers: { Accept: "application/json" } });
    if (response.type === "opaqueredirect" || response.status === 401) {
      setPaused(true);
      return null;
    }
    if (!response.ok) return null;
    const boot = await response.json();
    for (const [hash, doc] of Object.entries(boot.questionnaires ?? {})) await putValue(STORES.questionnaires, doc, hash);
    await putValue(STORES.kv, { ...boot, questionnaires: undefined, fetched_at: Date.now() }, "bootstrap");
    state.boot = boot;
    state.csrf = boot.csrf_token ?? state.csrf;
    if (state.paused) {
      setPaused(false);
      outbox?.resume();
    }
    return boot;
  } catch {
    return null;  // offline: the cached copy stays
  }
}

async function questionnaire(hash) {
  return state.boot?.questionnaires?.[hash] ?? (await getValue(STORES.questionnaires, hash)) ?? null;
}

const campaigns = () => state.boot?.campaigns ?? [];
const campaign = (slug) => campaigns().find((c) => c.slug === slug);
const pendingOf = (kind) => state.items.filter((i) => i.kind === kind && i.state === "pending");

// ---------------------------------------------------------------- status bar

function setPaused(paused) {
  // The session expired (or came back): the outbox stops (or resumes) sending with it.
  state.paused = paused;
  if (outbox && paused) outbox.paused = true;
  renderStatus();
}

function renderStatus() {
  const count = document.getElementById("pending-count");
  count.textContent = tr("pending", { n: state.counts.pending });
  count.dataset.count = String(state.counts.pending);
  document.getElementById("problem-count").textContent = state.counts.conflict + state.counts.rejected
    ? `${tr("conflicts")}: ${state.counts.conflict} · ${tr("rejected")}: ${state.counts.rejected}` : "";
  const net = document.getElementById("network");
  net.textContent = navigator.onLine ? tr("online") : tr("offline");
  net.dataset.online = String(navigator.onLine);
  const again = document.getElementById("sign-in-again");
  again.hidden = !state.paused;
  again.textContent = tr("sign_in_again");
  document.getElementById("sync-now").textContent = tr("sync_now");
  document.getElementById("app-name").textContent = tr("app_name");
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.setLang === state.lang));
  }
}

// ---------------------------------------------------------------- views

function refreshQuietly() {
  // Background changes (sync, bootstrap) redraw the home list only, never a form being filled in.
  if (state.view === "home") render(); else renderStatus();
}

function go(name, params = {}) {
  state.view = name;
  state.params = params;
  render();
  view.querySelector("h1, h2")?.focus();  // screen readers and keyboards start at the new view's title
}

function render() {
  renderStatus();
  if (state.view === "interview") return;  // the form owns the view while interviewing
  const views = { home: homeView, intercept: interceptView, visit: visitView, roster: rosterView, saved: savedView };
  const content = (views[state.view] ?? homeView)(app, state.params);
  view.replaceChildren(content);
  content.querySelector("h1, h2")?.setAttribute("tabindex", "-1");
}

const button = (text, onclick, attrs = {}) => el("button", { type: "button", text, onclick, ...attrs });

function homeView() {
  if (!state.boot) return el("section", { className: "stack" }, el("p", { text: tr("no_data") }));
  const user = state.boot.user?.username ?? shell.user ?? "";
  return el("section", { className: "stack" }, el("h1", { text: tr("signed_in_as", { user }) }),
            draftBox(), interceptCampaigns(), assignmentList(), returnedList(), problemLists());
}

function draftBox() {
  if (!state.draft) return null;
  return el("div", { className: "notice-box stack" },
    button(tr("resume_interview"), () => resumeDraft(), { className: "primary", "data-action": "resume" }),
    button(tr("discard_draft"), async () => { await saveDraft(null); render(); }, { className: "link" }));
}

function interceptCampaigns() {
  const intercepts = campaigns().filter((c) => (c.modes ?? []).includes("intercept"));
  if (!intercepts.length) return null;
  return [el("h2", { text: tr("campaigns") }), intercepts.map((c) => {
    const id = `site-${c.slug}`;
    const select = el("select", { id, name: "site" },
      (c.sites ?? []).map((s) => el("option", { value: s.code, text: `${s.name} (${s.code})` })));
    const open = (event) => {
      event.preventDefault();
      go("intercept", { campaign: c.slug, site: select.value });
    };
    return el("form", { className: "card stack", "data-campaign": c.slug, onsubmit: open },
      el("h3", { text: c.name }), el("label", { for: id, text: tr("choose_site") }), select,
      el("button", { type: "submit", className: "primary", text: tr("open_site") }));
  })];
}

function assignmentList() {
  const assignments = state.boot.assignments ?? [];
  const card = (a) => {
    const attempts = (a.attempts ?? []).length + pendingOf("attempt").filter((i) => i.body.assignment === a.id).length;
    const household = (campaign(a.campaign)?.modes ?? []).includes("household");
    const facts = [tr("status", { s: a.status }), tr("attempts", { n: attempts }),
                   a.next_call ? tr("next_call", { when: new Date(a.next_call).toLocaleString() }) : ""];
    return el("li", { className: "card stack", "data-assignment": a.id },
      el("h3", { text: `${a.label ?? ""} (${a.unit_key})` }),
      el("p", { text: facts.filter(Boolean).join(" · ") }),
      el("div", { className: "nav-buttons" },
        button(tr("record_attempt"), () => go("visit", { assignment: a.id })),
        household ? button(tr("roster"), () => go("roster", { assignment: a.id }), { className: "primary" }) : null));
  };
  return [el("h2", { text: tr("assignments") }),
          assignments.length ? el("ul", { className: "cards" }, assignments.map(card)) : el("p", { text: tr("no_assignments") })];
}

function returnedList() {
  const corrected = new Set(pendingOf("correction").map((i) => i.uuid));
  const returned = (state.boot.returned ?? []).filter((r) => !corrected.has(r.uuid));
  if (!returned.length) return null;
  return [el("h2", { text: tr("returned") }), el("ul", { className: "cards" }, returned.map((r) =>
    el("li", { className: "card stack", "data-returned": r.uuid }, el("p", { text: tr("reason", { r: r.reason ?? "" }) }),
       button(tr("correct"), () => startCorrection(r), { className: "primary" }))))];
}

function problemLists() {
  // Conflicts and rejections are never deleted: listed with the server's reason until resent.
  return ["conflict", "rejected"].map((kind) => {
    const items = state.items.filter((i) => i.state === kind);
    if (!items.length) return null;
    const line = (i) => tr("item_line", { kind: i.kind, uuid: i.uuid.slice(0, 8), message: i.message ?? "" });
    return [el("h2", { text: tr(kind === "conflict" ? "conflicts" : "rejected") }),
            el("ul", { className: `cards problems-${kind}` }, items.map((i) =>
              el("li", { className: "card stack", "data-item": i.key }, el("p", { text: line(i) }),
                 button(tr("retry"), () => outbox.retry(i.key)))))];
  });
}

function savedView(_app, { back }) {
  return el("section", { className: "stack", "data-view": "saved" },
    el("h1", { text: tr("saved") }),
    back ? button(tr("another"), () => go(back.view, back.params), { className: "primary big", "data-action": "another" }) : null,
    button(tr("home"), () => go("home")));
}

// ---------------------------------------------------------------- interviews

async function saveDraft(draft) {
  state.draft = draft;
  if (draft) await putValue(STORES.kv, draft, "draft");
  else await deleteValue(STORES.kv, "draft");
  // how many draft writes have reached IndexedDB: lets a test (or a kiosk script) wait for the
  // last answer to be stored before closing the tab
  document.documentElement.dataset.draftSaves = String(Number(document.documentElement.dataset.draftSaves ?? 0) + 1);
}

function interviewLanguage(doc) {
  const languages = doc.languages ?? ["zh"];
  return languages.includes(state.lang) ? state.lang : doc.default_language ?? languages[0];
}

async function startInterview({ campaign: slug, mode, site, slot, assignment = null, selection = null }) {
  const c = campaign(slug);
  const doc = await questionnaire(c.version);
  if (!doc) return;
  const now = new Date();
  const at = (time) => isoWithOffset(localDate(slot.day, time));
  const planned = slot && { start: at(slot.start), end: at(slot.end) };
  const draft = {
    kind: "interview", uuid: uuid(), user: state.boot?.user?.id ?? null, campaign: slug,
    questionnaire_version: c.version,  // kept with the interview: a newer questionnaire never changes it
    mode, site, assignment, selection, language: interviewLanguage(doc), started_at: isoWithOffset(now), slot: planned ?? null,
    back: mode === "intercept" ? { view: "intercept", params: { campaign: slug, site } } : { view: "home", params: {} },
    form: null,
  };
  await saveDraft(draft);
  runInterview(draft, doc);
}

async function startCorrection(returned) {
  const doc = await questionnaire(returned.questionnaire_version);
  if (!doc) return;
  const draft = { kind: "correction", uuid: returned.uuid, user: state.boot?.user?.id ?? null,
                  base_version: returned.version, campaign: returned.campaign,
                  questionnaire_version: returned.questionnaire_version, mode: returned.mode ?? "intercept",
                  language: interviewLanguage(doc), started_at: isoWithOffset(new Date()),
                  form: { raw: { ...returned.answers }, pageId: null, history: [], pages: [] },
                  back: { view: "home", params: {} } };
  await saveDraft(draft);
  runInterview(draft, doc);
}

async function resumeDraft() {
  const doc = await questionnaire(state.draft.questionnaire_version);
  if (doc) runInterview(state.draft, doc);
}

function noticeView(doc, language, onStart, onBack) {
  const notice = doc.notice;
  const lines = [notice.title, notice.text, notice.purpose].filter(Boolean).map((x) => el("p", { text: textOf(x, language) }));
  return el("section", { className: "stack", "data-view": "notice", lang: language === "zh" ? "zh-CN" : "en" },
    el("h2", { text: textOf(doc.title, language), tabindex: "-1" }),
    el("div", { className: "notice-box stack" }, lines),
    el("div", { className: "nav-buttons" },
      el("button", { type: "button", text: tr("home"), onclick: onBack }),
      el("button", { type: "button", className: "primary", "data-action": "agree",
                     text: tr(notice.consent_required === false ? "start_interview" : "consent_start"), onclick: onStart })));
}

function runInterview(draft, doc) {
  state.view = "interview";
  renderStatus();
  if (doc.notice && !draft.form && !draft.noticeShown) {
    // Read the notice (and get consent) before the first question.
    const screen = noticeView(doc, draft.language, () => runInterview({ ...draft, noticeShown: true }, doc),
                              async () => { await saveDraft(null); go(draft.back.view, draft.back.params); });
    view.replaceChildren(screen);
    screen.querySelector("h2").focus();
    return;
  }
  const root = el("div", { "data-view": "interview", "data-uuid": draft.uuid });
  view.replaceChildren(root);
  const form = new InterviewForm(root, doc, {
    mode: draft.mode, language: draft.language, state: draft.form, seed: draft.uuid,
    onChange: (formState) => saveDraft({ ...draft, form: formState }),
    onCancel: async () => {
      if (!window.confirm(tr("confirm_cancel"))) return;
      await saveDraft(null);
      go(draft.back.view, draft.back.params);
    },
    onFinish: ({ answers, pages }) => finishInterview(draft, answers, pages),
  });
  form.start();
}

async function finishInterview(draft, answers, pages) {
  const now = new Date();
  const paradata = { started_at: draft.started_at, finished_at: isoWithOffset(now), pages,
                     planned_site: draft.site ?? null, slot: draft.slot ?? null };
  if (draft.kind === "correction") {
    await outbox.add("correction", draft.uuid, { base_version: draft.base_version, answers, paradata });
  } else {
    await outbox.add("interview", draft.uuid, {
      uuid: draft.uuid, campaign: draft.campaign, questionnaire_version: draft.questionnaire_version, site: draft.site ?? null,
      mode: draft.mode, language: draft.language, answers, paradata, assignment: draft.assignment ?? null,
      selection: draft.selection ?? null, device_time: isoWithOffset(now) });
  }
  await saveDraft(null);
  go("saved", { back: draft.back });
}

// What the view modules may use (outbox is created in main()).
const app = { state, tr, go, campaign, pendingOf, uuid, startInterview, get outbox() { return outbox; } };

// ---------------------------------------------------------------- start

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  } catch (error) {
    console.warn("service worker not registered:", error);
  }
}

async function main() {
  registerWorker();
  document.getElementById("sync-now").addEventListener("click", async () => { await loadBootstrap(); outbox.resume(); });
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.addEventListener("click", async () => {
      state.lang = LANGUAGES.includes(button.dataset.setLang) ? button.dataset.setLang : "zh";
      await putValue(STORES.kv, state.lang, "lang");
      render();
    });
  }
  window.addEventListener("online", renderStatus);
  window.addEventListener("offline", renderStatus);
  state.lang = (await getValue(STORES.kv, "lang")) ?? state.lang;
  const cached = await getValue(STORES.kv, "bootstrap");
  if (cached) {
    state.boot = cached;
    state.csrf = state.csrf ?? cached.csrf_token;
  }
  state.draft = (await getValue(STORES.kv, "draft")) ?? null;
  if (state.draft && cached && state.draft.user !== undefined && state.draft.user !== cached.user?.id) state.draft = null;
  outbox = new Outbox({
    getCsrf: () => state.csrf,
    getUser: () => state.boot?.user?.id ?? null,
    refreshCsrf: async () => ((await loadBootstrap()) ? state.csrf : null),
    onChange: ({ items, paused, ...counts }) => {
      const before = state.counts.pending;
      const signature = items.map((i) => `${i.key}:${i.state}:${i.tries}`).sort().join("|") + String(paused);
      if (signature === state.signature) return;  // nothing new: leave the page alone
      state.signature = signature;
      state.items = items;
      state.counts = counts;
      state.paused = state.paused || paused;
      refreshQuietly();
      if (before > 0 && counts.pending === 0 && navigator.onLine) loadBootstrap().then(refreshQuietly);
    },
  });
  await outbox.notify();  // the waiting count is on screen before anything else happens
  render();
  persistStorage();
  await loadBootstrap();
  render();
  outbox.start();
  document.body.dataset.ready = "true";
}

main();
