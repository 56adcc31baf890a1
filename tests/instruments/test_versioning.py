"""Versions are content hashes: formatting keeps them, any content change makes a new one."""

from __future__ import annotations

import json

from survey_engine.instruments import content_hash, from_dict, loads


def test_reformatting_keeps_the_version(example):
    """Key order and whitespace do not change the hash."""
    compact = json.dumps(example, separators=(",", ":"), ensure_ascii=True)
    reordered = json.dumps(dict(reversed(list(example.items()))), indent=4, ensure_ascii=False)
    assert loads(compact).content_hash == loads(reordered).content_hash == content_hash(example)


def test_any_content_change_makes_a_new_version(example):
    """Changing one label (even a translation) yields a different version id."""
    before = from_dict(example)
    example["sections"][1]["questions"][3]["label"]["en"] = "Overall, how satisfied are you?"
    after = from_dict(example)
    assert before.content_hash != after.content_hash
    assert before.version == after.version and before.version_id != after.version_id


def test_version_id_names_questionnaire_label_and_hash(example):
    """The version id reads as id@label#hash-prefix."""
    q = from_dict(example)
    assert q.version_id == f"service_check@2026.1#{q.content_hash[:12]}"
    assert len(q.content_hash) == 64
