"""The interviewer app's pure JavaScript (``static/js/field/``) under Node: backoff, outbox
state transitions, intercept tallies, and a differential run of its questionnaire walk and
Kish selection against the server's Python (``instruments.answers``, ``sampling.household``),
since an offline device must decide exactly what the server will accept.

Without ``node`` these tests are skipped locally but fail when ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from survey_engine.instruments import load
from survey_engine.instruments.answers import check_answers, visible_pages
from survey_engine.sampling.household import KISH_SHARES, KISH_TABLES, KishTable, kish_select

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent.parent
JS_DIR = TESTS_DIR / "js"
DOCUMENTS = {
    "window": REPO_DIR / "questionnaires" / "window_rating.json",
    "small": REPO_DIR / "tests" / "instruments" / "fixtures" / "small_example.json",
}


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed but CI is set: the interviewer app's JavaScript tests must run in CI")
        pytest.skip("node is not installed")
    return node


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_node(), *args], cwd=REPO_DIR, capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)


def test_field_logic_checks() -> None:
    """node field_logic.mjs: backoff, reply classification, queue states, Kish, slots, tallies and the walk all pass."""
    process = _run(str(JS_DIR / "field_logic.mjs"))
    last = process.stdout.strip().splitlines()[-1] if process.stdout.strip() else ""
    assert process.returncode == 0 and last.endswith("0 failed") and not last.startswith("0 passed"), (
        process.stdout + process.stderr)


def _random_raw(rng: random.Random, document: dict) -> dict:
    """Random raw answers in the shapes the app's inputs give (strings, lists), some blank or wrong."""
    raw: dict = {}
    for section in document["sections"]:
        for page in section.get("pages") or [{"questions": section["questions"]}]:
            for q in page["questions"]:
                kind = q["type"]
                if rng.random() < 0.15 or kind in ("note", "calculate"):
                    continue
                listed = document.get("choice_lists", {}).get(q.get("choice_list"), {})
                choices = q.get("choices") or listed.get("choices", [])
                codes = [c["code"] for c in choices]
                if kind == "single_choice":
                    raw[q["id"]] = rng.choice(codes)
                    if rng.random() < 0.5:
                        raw[f"{q['id']}/other"] = rng.choice(["", "窗口 9"])
                elif kind == "multiple_choice":
                    raw[q["id"]] = rng.sample(codes, rng.randint(1, min(3, len(codes))))
                    if rng.random() < 0.5:
                        raw[f"{q['id']}/other"] = rng.choice(["", "其他说明"])
                elif kind in ("rating", "nps"):
                    raw[q["id"]] = str(rng.choice([1, 2, 3, 4, 5, 0, 10, 7, "NA"]))
                elif kind == "matrix":
                    for item in q["items"]:
                        if rng.random() < 0.8:
                            raw[item["id"]] = str(rng.randint(1, 5))
                elif kind in ("integer", "decimal"):
                    raw[q["id"]] = rng.choice(["3", "0", "150", "12.5", "1,5", "abc", "99", "480.25"])
                elif kind == "date":
                    raw[q["id"]] = rng.choice(["1985-06-01", "1900-01-01", "2024-02-30", "2000-12-31"])
                elif kind == "cascading_select":
                    path = rng.choice([["44", "4401", "440106"], ["44", "4403"], ["44", "4401", "440305"], ["4401"]])
                    for level, code in zip(q["levels"], path):
                        raw[level["id"]] = code
                else:
                    raw[q["id"]] = rng.choice(["13800138000", "123", "好的", " 窗口 "])
    return raw


def test_walk_and_kish_agree_with_the_server() -> None:
    """On 400 random answer sets the app keeps the same answers, shows the same pages and flags the same
    answer ids as the server's check, and Kish picks the same adult with the same probability."""
    documents = {name: json.loads(path.read_text(encoding="utf-8")) for name, path in DOCUMENTS.items()}
    built = {name: load(path) for name, path in DOCUMENTS.items()}
    rng = random.Random(20261123)
    now = "2026-11-23T10:00:00"
    walks = []
    for index in range(400):
        name = "window" if index % 2 else "small"
        mode = rng.choice(["intercept", "online", "household"])
        walks.append({"doc": name, "raw": _random_raw(rng, documents[name]), "mode": mode, "now": now})
    kish = [[n, table.value] for table in KishTable for n in range(1, 9)]
    cases = {"documents": documents, "walks": walks, "kish": kish,
             "kish_tables": {"tables": {t.value: list(KISH_TABLES[t]) for t in KishTable},
                             "shares": {t.value: float(KISH_SHARES[t]) for t in KishTable}}}
    path = REPO_DIR / ".pytest_cache" / "field_walk_cases.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    process = _run(str(JS_DIR / "field_walk_cli.mjs"), str(path))
    assert process.returncode == 0, process.stderr
    results = json.loads(process.stdout)
    mismatches = []
    for case, js in zip(walks, results["walks"]):
        q = built[case["doc"]]
        check = check_answers(q, case["raw"], mode=case["mode"], now=now)
        expected_pages = [p.id for p in visible_pages(q, case["raw"], mode=case["mode"], now=now)]
        expected = {"answers": dict(check.answers), "pages": expected_pages,
                    "problems": sorted({p.answer_id for p in check.problems})}
        if expected != js:
            mismatches.append((case, expected, js))
    assert not mismatches, json.dumps(mismatches[:3], ensure_ascii=False, indent=1)
    for (n, table), js in zip(kish, results["kish"]):
        chosen = kish_select(n, table)
        assert (js["member"], js["method"]) == (chosen.member, chosen.method)
        assert js["probability"] == pytest.approx(chosen.probability, abs=1e-12)


def test_the_service_worker_caches_every_module_of_the_app() -> None:
    """Every JavaScript module under static/js/field (and the expression modules they import) is in the
    service worker's app shell: a module left out would break the app offline."""
    static = REPO_DIR / "survey_engine" / "web" / "static"
    source = (static / "js" / "field" / "sw.js").read_text(encoding="utf-8")
    names = re.search(r"\.\.\.\[([^\]]*)\]\s*\.map", source).group(1)
    shell = {f"/static/js/field/{n}.js" for n in re.findall(r'"([a-z0-9_]+)"', names)}
    shell |= set(re.findall(r'"(/static/[^"]+)"', source))
    modules = {f"/static/js/field/{p.name}" for p in (static / "js" / "field").glob("*.js") if p.name != "sw.js"}
    imported = set()
    for path in (static / "js" / "field").glob("*.js"):
        for target in re.findall(r'from "(\.\.?/[^"]+)"', path.read_text(encoding="utf-8")):
            imported.add("/static/" + str((path.parent / target).resolve().relative_to(static)))
    assert modules | imported <= shell
    for url in shell:
        assert (static / url.removeprefix("/static/")).is_file(), url
