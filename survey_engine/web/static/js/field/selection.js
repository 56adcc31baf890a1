// Within-household selection (Kish 1949, JASA 44, 380-387; Kish 1965 §11.3) as the server's
// survey_engine/sampling/household.py does it: adults listed men oldest → youngest, then
// women oldest → youngest; the unit's table picks the listed adult for the household size
// (6+ adults use the last column); the probability is the total share of the tables that
// pick the same adult for that size.  Last birthday: the nominal 1/k (Salmon & Nichols 1983).
// Pure functions; the tables and shares come from /field/api/bootstrap.

/** Kish 1949, Table 1: the fallback when the bootstrap carries no tables. */
export const DEFAULT_KISH = Object.freeze({
  tables: { A: [1, 1, 1, 1, 1, 1], B1: [1, 1, 1, 1, 2, 2], B2: [1, 1, 1, 2, 2, 2], C: [1, 1, 2, 2, 3, 3],
            D: [1, 2, 2, 3, 4, 4], E1: [1, 2, 3, 3, 3, 5], E2: [1, 2, 3, 4, 5, 5], F: [1, 2, 3, 4, 5, 6] },
  shares: { A: 1 / 6, B1: 1 / 12, B2: 1 / 12, C: 1 / 6, D: 1 / 6, E1: 1 / 12, E2: 1 / 12, F: 1 / 6 },
});

export class SelectionError extends Error {
  constructor(message) {
    super(message);
    this.name = "SelectionError";
  }
}

function adultsCount(eligible) {
  const n = Number(eligible);
  if (!Number.isInteger(n) || n < 1) {
    throw new SelectionError(`household: ${eligible} eligible adults; a household needs at least one eligible adult.`);
  }
  return n;
}

/** {method: "kish:B1", eligible, member (1-based listing position), probability}. */
export function kishSelect(eligible, table, kish = DEFAULT_KISH) {
  const n = adultsCount(eligible);
  const tables = kish?.tables ?? DEFAULT_KISH.tables;
  const shares = kish?.shares ?? DEFAULT_KISH.shares;
  const name = String(table ?? "").toUpperCase();
  const row = tables[name];
  if (!Array.isArray(row) || row.length === 0) {
    throw new SelectionError(`household: Kish table '${table}' is not one of ${Object.keys(tables).join(", ")}.`);
  }
  const column = Math.min(n, row.length) - 1;
  const member = row[column];
  let probability = 0;
  for (const [other, picks] of Object.entries(tables)) {
    if (picks[Math.min(n, picks.length) - 1] === member) probability += Number(shares[other] ?? 0);
  }
  return { method: `kish:${name}`, eligible: n, member, probability: Math.min(1, probability) };
}

/** The interviewer asks who had the most recent birthday and notes that member's position. */
export function lastBirthdaySelect(eligible, member) {
  const n = adultsCount(eligible);
  const k = Number(member);
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new SelectionError(`household: member ${member} is not between 1 and ${n}.`);
  }
  return { method: "last_birthday", eligible: n, member: k, probability: 1 / n };
}
