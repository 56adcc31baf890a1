// The intercept view: the slot running at the chosen site, the every-k-th-visitor count, the
// tally (each change queued for the server as a new cumulative count) and the quota fill.

import { append, el } from "./dom.js";
import { currentSlot, emptyTally, isSelectedVisitor, isoWithOffset, localDay, quotaFill, tallyKey, tap,
         visitorsToCount } from "./intercept.js";
import { STORES, getValue, putValue } from "./store.js";

async function tallyOf(key) {
  return (await getValue(STORES.kv, `tally:${key}`)) ?? { ...emptyTally(), uuid: null };
}

function localCompletes(app, slug) {
  return app.pendingOf("interview").filter((i) => i.body.campaign === slug).map((i) => i.body.answers);
}

/** app: {state, tr, go, campaign, pendingOf, uuid, outbox, startInterview}. */
export function interceptView(app, { campaign: slug, site }) {
  const { tr, go, campaign, uuid } = app;
  const c = campaign(slug);
  const box = el("section", { className: "stack", "data-view": "intercept" });
  if (!c) return box;
  const siteName = (c.sites ?? []).find((s) => s.code === site)?.name ?? site;
  const { slot, status } = currentSlot(c.slots, site, new Date());
  const k = slot?.interval ?? 1;
  const counts = el("p", { "data-tally-counts": true });
  const since = el("p", { className: "since", "data-since": true });
  const approach = el("p", { className: "approach", role: "status" });
  const key = slot ? tallyKey(slug, site, slot.day, slot.start) : tallyKey(slug, site, localDay(new Date()), "--");
  const show = (tally) => {
    counts.textContent = tr("tally_counts", tally);
    since.textContent = tr("since_last", { n: tally.since_last, k: visitorsToCount(tally, k, slot?.random_start) });
    approach.textContent = isSelectedVisitor(tally, k, slot?.random_start) ? tr("approach") : "";
  };
  tallyOf(key).then(show);
  const press = (what) => async () => {
    const tally = { ...tap(await tallyOf(key), what), uuid: uuid() };
    await putValue(STORES.kv, tally, `tally:${key}`);
    show(tally);
    if (slot) await sendTally(app, c, site, slot, tally);
  };
  const tallyButton = (what, label) => el("button", { type: "button", className: `tally tally-${what}`, "data-tally": what,
                                                      text: tr(label), onclick: press(what) });
  const slotText = status === "none" ? tr("slot_none")
    : tr(status === "now" ? "slot_now" : "slot_next", { start: slot.start, end: slot.end, k, n: slot.interviews ?? "" });
  const quotas = quotaFill(c.quotas, localCompletes(app, slug));
  append(box,
    el("h1", { text: `${c.name} · ${siteName}` }),
    el("p", { className: "notice", "data-slot-status": status, text: slotText }),
    since, approach,
    el("div", { className: "tallies", role: "group", "aria-label": tr("tally") },
      tallyButton("passed", "tally_passed"), tallyButton("refusal", "tally_refusal"),
      tallyButton("ineligible", "tally_ineligible")),
    counts,
    el("button", { type: "button", className: "primary big", "data-action": "start-interview", text: tr("start_interview"),
                   onclick: async () => {
                     // Local only: the interview itself tells the server; the k-th count restarts.
                     const current = await tallyOf(key);
                     await putValue(STORES.kv, { ...tap(current, "interview"), uuid: current.uuid }, `tally:${key}`);
                     app.startInterview({ campaign: slug, mode: "intercept", site, slot });
                   } }),
    quotas.length ? el("h2", { text: tr("quotas") }) : null,
    quotas.length ? el("ul", { className: "quotas" }, quotas.map((q) => el("li", { "data-quota": `${q.variable}=${q.code}` },
      el("span", { text: tr("quota_line", { code: `${q.variable}=${q.code}`, done: q.filled, target: q.target }) }),
      el("progress", { max: q.target || 1, value: Math.min(q.filled, q.target || 1) })))) : null,
    el("button", { type: "button", className: "link", text: tr("home"), onclick: () => go("home") }),
  );
  return box;
}

async function sendTally(app, c, site, slot, tally) {
  await app.outbox.add("tally", tally.uuid, { uuid: tally.uuid, campaign: c.slug, site, day: slot.day, slot_start: slot.start,
                                          passed: tally.passed, refusals: tally.refusals, ineligible: tally.ineligible,
                                          device_time: isoWithOffset(new Date()) });
}
