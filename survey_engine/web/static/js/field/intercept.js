// Intercept fieldwork on the device's local clock: which slot of the plan is running, how
// far the every-k-th-visitor count has got, quota fill, and local ISO times with their
// offset (the server compares them with the planned slot).  Pure functions.

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** 'YYYY-MM-DD' of `date` in the device's time zone. */
export function localDay(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** 'HH:MM' of `date` in the device's time zone. */
export function localTime(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** ISO 8601 with the device's offset, e.g. 2026-11-23T16:05:09+08:00. */
export function isoWithOffset(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${localDay(date)}T${localTime(date)}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The local Date at `day` ('YYYY-MM-DD') and `time` ('HH:MM'). */
export function localDate(day, time) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return new Date(y, m - 1, d, hh, mm, 0, 0);
}

/**
 * The slot of `site` running at `now` ({slot, status: "now"}), else the next one today
 * ({slot, status: "next"}), else {slot: null, status: "none"}.  Times compare as 'HH:MM'
 * texts of the same day; a slot is [start, end).
 */
export function currentSlot(slots, site, now) {
  const day = localDay(now);
  const time = localTime(now);
  const today = (slots ?? []).filter((s) => s.site === site && s.day === day)
    .sort((a, b) => a.start.localeCompare(b.start));
  const running = today.find((s) => s.start <= time && time < s.end);
  if (running) return { slot: running, status: "now" };
  const next = today.find((s) => s.start > time);
  return next ? { slot: next, status: "next" } : { slot: null, status: "none" };
}

/** Key of a slot's local tally. */
export function tallyKey(campaign, site, day, start) {
  return `${campaign}|${site}|${day}|${start}`;
}

/** A fresh tally: cumulative counts of the slot plus the visitors counted since the last interview. */
export function emptyTally() {
  return { passed: 0, refusals: 0, ineligible: 0, interviews: 0, since_last: 0 };
}

/**
 * Apply one tap to a tally (returns a new one).  `passed` counts every visitor passing the
 * point; an interview, a refusal or an ineligible visitor closes the current interval, so the
 * count towards the next k-th visitor starts again.
 */
export function tap(tally, what) {
  const next = { ...emptyTally(), ...tally };
  if (what === "passed") {
    next.passed += 1;
    next.since_last += 1;
  } else if (what === "refusal") {
    next.refusals += 1;
    next.since_last = 0;
  } else if (what === "ineligible") {
    next.ineligible += 1;
    next.since_last = 0;
  } else if (what === "interview") {
    next.interviews += 1;
    next.since_last = 0;
  } else {
    throw new Error(`tally: unknown tap '${what}'`);
  }
  return next;
}

/**
 * How many visitors to count before approaching one: the slot's random start r (1..k) for
 * the first approach of the slot, then the interval k (Kalton 1991: a systematic sample of
 * the flow with a random start).  Every approach ends in an interview, a refusal or an
 * ineligible visitor, and restarts the count.
 */
export function visitorsToCount(tally, interval, randomStart = null) {
  const k = Math.max(1, Number(interval) || 1);
  const approached = (tally?.interviews ?? 0) + (tally?.refusals ?? 0) + (tally?.ineligible ?? 0);
  const r = Number(randomStart);
  return approached === 0 && Number.isInteger(r) && r >= 1 && r <= k ? r : k;
}

/** Whether the visitor now passing is the one to approach. */
export function isSelectedVisitor(tally, interval, randomStart = null) {
  return (tally?.since_last ?? 0) >= visitorsToCount(tally, interval, randomStart);
}

/**
 * Quota fill: the server's `done` plus local completes not yet counted by the server
 * (answers of interviews waiting to sync or sent since the bootstrap).
 */
export function quotaFill(quotas, localAnswers) {
  return (quotas ?? []).map((q) => {
    const local = localAnswers.filter((a) => {
      const value = a?.[q.variable];
      return Array.isArray(value) ? value.includes(q.code) : String(value ?? "") === String(q.code);
    }).length;
    const done = Number(q.done ?? 0) + local;
    return { ...q, local, filled: done, full: q.target ? done >= q.target : false,
             share: q.target ? Math.min(1, done / q.target) : 0 };
  });
}
