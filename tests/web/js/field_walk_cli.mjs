// Runs the app's questionnaire walk and Kish selection on cases from a JSON file and prints
// the results as JSON, for the differential test against Python (tests/web/test_field_js.py):
//   node tests/web/js/field_walk_cli.mjs cases.json
// cases.json: {"documents": {name: doc}, "walks": [{doc, raw, mode}], "kish": [[n, table]]}

import { readFileSync } from "node:fs";

import { kishSelect } from "../../../survey_engine/web/static/js/field/selection.js";
import { shownPageIds, walk } from "../../../survey_engine/web/static/js/field/walk.js";

const input = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const walks = input.walks.map(({ doc, raw, mode, now }) => {
  const result = walk(input.documents[doc], raw, { mode, now });
  return { answers: result.answers, pages: shownPageIds(result), problems: [...new Set(result.problems.map((p) => p.answerId))].sort() };
});
const kish = input.kish.map(([n, table]) => kishSelect(n, table, input.kish_tables));
console.log(JSON.stringify({ walks, kish }));
