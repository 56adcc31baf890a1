// Household / enterprise visits: the visit record (AAPOR disposition code, note, call-back,
// maximum attempts) and the roster with the within-household selection (Kish or last birthday).

import { append, el } from "./dom.js";
import { isoWithOffset } from "./intercept.js";
import { DEFAULT_KISH, kishSelect, lastBirthdaySelect } from "./selection.js";
import { textOf } from "./walk.js";

/** app: {state, tr, go, campaign, pendingOf, uuid, outbox, startInterview}. */
export function visitView(app, { assignment: id }) {
  const { state, tr, go, campaign, pendingOf, uuid } = app;
  const a = (state.boot?.assignments ?? []).find((x) => x.id === id);
  const box = el("section", { className: "stack", "data-view": "visit" });
  if (!a) return box;
  const c = campaign(a.campaign);
  const local = pendingOf("attempt").filter((i) => i.body.assignment === id).map((i) => i.body);
  const attempts = [...(a.attempts ?? []), ...local];
  const max = c?.max_attempts ?? null;
  const codes = (state.boot.dispositions ?? []).filter((d) => !d.modes || d.modes.includes("household"));
  const select = el("select", { id: "disposition", name: "disposition", required: true },
    el("option", { value: "", text: tr("choose") }),
    codes.map((d) => el("option", { value: d.code, text: `${d.code} ${textOf(d.label, state.lang)}${d.final ? " ●" : ""}` })));
  const note = el("textarea", { id: "attempt-note", name: "note", maxlength: 500 });
  const callback = el("input", { id: "callback-at", name: "callback_at", type: "datetime-local" });
  const result = el("p", { role: "status" });
  const form = el("form", { className: "stack", onsubmit: async (event) => {
    event.preventDefault();
    if (!select.value) { select.focus(); return; }
    const id_ = uuid();
    const now = new Date();
    const callbackAt = callback.value ? isoWithOffset(new Date(callback.value)) : null;
    await app.outbox.add("attempt", id_, { uuid: id_, assignment: id, at: isoWithOffset(now), disposition: select.value,
                                           note: note.value.trim(), callback_at: callbackAt, device_time: isoWithOffset(now) });
    result.textContent = tr("attempt_saved");
    result.dataset.attemptSaved = id_;
    form.reset();
  } },
    el("label", { for: "disposition", text: tr("disposition") }), select,
    el("label", { for: "attempt-note", text: tr("note") }), note,
    el("label", { for: "callback-at", text: tr("callback_at") }), callback,
    el("button", { type: "submit", className: "primary", text: tr("save_attempt") }));
  append(box,
    el("h1", { text: `${a.label ?? ""} (${a.unit_key})` }),
    max && attempts.length >= max
      ? el("p", { className: "error", role: "alert", "data-max-attempts": true, text: tr("max_attempts", { n: max }) }) : null,
    el("ol", { className: "attempts" }, attempts.map((x) => el("li", {
      text: [new Date(x.at).toLocaleString(), x.disposition, x.note].filter(Boolean).join(" · ") }))),
    el("h2", { text: tr("record_attempt") }), form, result,
    el("button", { type: "button", className: "link", text: tr("home"), onclick: () => go("home") }));
  return box;
}

export function rosterView(app, { assignment: id }) {
  const { state, tr, go } = app;
  const a = (state.boot?.assignments ?? []).find((x) => x.id === id);
  const box = el("section", { className: "stack", "data-view": "roster" });
  if (!a) return box;
  const kish = state.boot.kish ?? DEFAULT_KISH;
  const eligible = el("input", { id: "eligible", name: "eligible", type: "number", min: 1, max: 30, inputmode: "numeric",
                                 required: true });
  const useKish = Boolean(a.kish_table);
  const methods = el("fieldset", {}, el("legend", { text: tr("method") }),
    el("label", { className: "option" },
       el("input", { type: "radio", name: "method", value: "kish", checked: useKish || null, disabled: !useKish || null }),
       el("span", { text: tr("kish", { table: a.kish_table ?? "—" }) })),
    el("label", { className: "option" },
       el("input", { type: "radio", name: "method", value: "last_birthday", checked: !useKish || null }),
       el("span", { text: tr("last_birthday") })));
  const member = el("input", { id: "birthday-member", name: "member", type: "number", min: 1, inputmode: "numeric" });
  const output = el("div", { className: "stack", role: "status" });
  const form = el("form", { className: "stack", onsubmit: (event) => {
    event.preventDefault();
    output.replaceChildren();
    try {
      const method = form.querySelector("input[name=method]:checked").value;
      const selection = method === "kish" ? kishSelect(Number(eligible.value), a.kish_table, kish)
        : lastBirthdaySelect(Number(eligible.value), Number(member.value));
      output.append(el("p", { className: "notice", "data-selected-member": selection.member,
                              text: tr("selected_member", { k: selection.member, p: selection.probability.toFixed(4) }) }),
        el("button", { type: "button", className: "primary big", text: tr("start_interview"),
                       onclick: () => app.startInterview({ campaign: a.campaign, mode: "household", site: null, slot: null,
                                                           assignment: a.id, selection }) }));
    } catch (error) {
      output.append(el("p", { className: "error", role: "alert", text: error.message }));
    }
  } },
    el("p", { className: "hint", text: tr("listing_rule") }),
    el("label", { for: "eligible", text: tr("eligible") }), eligible, methods,
    el("label", { for: "birthday-member", text: tr("birthday_member") }), member,
    el("button", { type: "submit", text: tr("select_member") }));
  box.append(el("h1", { text: `${tr("roster")}: ${a.label ?? a.unit_key}` }), form, output,
             el("button", { type: "button", className: "link", text: tr("home"), onclick: () => go("home") }));
  return box;
}
