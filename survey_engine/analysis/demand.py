"""Demand monitoring (需求监测): who needs which IP service, what is not being met, and what
people say in their own words.

Shares are design-weighted means of 0/1 indicators with design-based CIs; the unmet-need
rate of a service is estimated in the domain of those who need it (a subset, so the variance
keeps the full design — Lumley 2010, §2.3). Periods (month, quarter) are just domains.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.errors import EstimationError

__all__ = ["expand_multiple", "demand_shares", "unmet_need_rates", "frequent_terms", "indicator_column"]


def indicator_column(question: str, code: str) -> str:
    """Name of the 0/1 column for one choice of a multiple-choice question."""
    return f"{question}__{code}"


def _as_list(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    if isinstance(value, str):
        text = value.strip()
        return [part for part in re.split(r"[;,|\s]+", text) if part] if text else None
    return None


def expand_multiple(data: pd.DataFrame, question: str, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """0/1 indicator columns for a multiple-choice answer column (lists, or codes separated by
    ``;`` ``,`` ``|`` or spaces); rows that did not answer get NaN in every indicator."""
    if question not in data.columns:
        raise EstimationError(f"column {question!r} not in the data")
    answers = data[question].map(_as_list)
    answered = answers.notna().to_numpy()
    given = answers[answered]
    lengths = given.map(len).to_numpy(dtype=np.int64)
    rows = np.repeat(np.flatnonzero(answered), lengths)
    values = np.fromiter(chain.from_iterable(given), dtype=object, count=int(lengths.sum()))
    if codes is None:
        codes = sorted(set(values))
    # (row, code) pairs set in one indexed assignment, not a Python test per row and option
    column = pd.Index(list(codes)).get_indexer(values)
    known = column >= 0
    matrix = np.zeros((len(data), len(codes)))
    matrix[rows[known], column[known]] = 1.0
    matrix[~answered] = np.nan
    return pd.DataFrame(matrix, index=data.index, columns=[indicator_column(question, c) for c in codes])


def demand_shares(design: Any, question: str, codes: Sequence[str] | None = None,
                  by: str | Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Share needing each service (%), with CI, ranked from most to least needed (per domain)."""
    indicators = expand_multiple(design.data, question, codes)
    expanded = design.assign(**{c: indicators[c].to_numpy() for c in indicators.columns})
    frame = expanded.mean(list(indicators.columns), by=by).to_frame(level=level)
    frame[["estimate", "se", "ci_low", "ci_high"]] *= 100
    frame = frame.rename(index=lambda label: label.split("__", 1)[1] if isinstance(label, str) and "__" in label
                         else label)
    frame.index = frame.index.set_names([*frame.index.names[:-1], "service"])
    group = list(frame.index.names[:-1])
    ranked = frame.sort_values(group + ["estimate"], ascending=[True] * len(group) + [False])
    ranked["rank"] = ranked.groupby(level=group).cumcount() + 1 if group else np.arange(1, len(ranked) + 1)
    return ranked


def unmet_need_rates(design: Any, needed: str, unmet: str, codes: Sequence[str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """For each service: among those who need it, the share (%) reporting it as not obtained."""
    need = expand_multiple(design.data, needed, codes)
    codes = [c.split("__", 1)[1] for c in need.columns]
    lack = expand_multiple(design.data, unmet, codes)
    rows = []
    for code in codes:
        needs_it = need[indicator_column(needed, code)].to_numpy() == 1
        if not needs_it.any():
            continue
        flag = np.where(needs_it, np.nan_to_num(lack[indicator_column(unmet, code)].to_numpy()), np.nan)
        est = design.assign(_unmet=flag).subset(needs_it).mean("_unmet")
        low, high = est.ci(level)
        rows.append((code, float(est.estimate) * 100, float(est.se) * 100, float(low) * 100, float(high) * 100,
                     int(needs_it.sum())))
    table = pd.DataFrame(rows, columns=["service", "estimate", "se", "ci_low", "ci_high", "n_needing"])
    return table.set_index("service").sort_values("estimate", ascending=False)


_EN_STOP = frozenset("a an and are as at be but by for from has have i in is it its of on or our so that the their "
                     "there this to too was we were with you your very not no more can should would".split())
_ZH_STOP = frozenset("的 了 和 是 在 也 就 都 而 及 与 或 一个 没有 我们 你们 他们 这个 那个 非常 比较 希望 可以 能够 还 很 太 有 我 你 "
                     "他 她 它 对 把 被 让 给 但 并 等".split())
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _terms(text: str) -> Iterable[str]:
    import rjieba

    for token in rjieba.cut(text):
        token = token.strip()
        if _HAN.search(token):
            if len(token) >= 2 and token not in _ZH_STOP:
                yield token
        else:
            for word in _WORD.findall(token):
                if word.lower() not in _EN_STOP:
                    yield word.lower()


def frequent_terms(texts: Iterable[Any], top: int = 30, weights: Sequence[float] | None = None) -> pd.DataFrame:
    """Most frequent words and two-word phrases in open comments (Chinese segmented by jieba-rs).

    ``count`` is how often a term occurs, ``documents`` in how many comments, ``weighted``
    the sum of the respondents' weights (when given), so a term's reach can be estimated.
    """
    counts: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    weighted: Counter[str] = Counter()
    texts = list(texts)
    w = list(weights) if weights is not None else [1.0] * len(texts)
    for text, weight in zip(texts, w):
        if not isinstance(text, str) or not text.strip():
            continue
        words = list(_terms(text))
        phrases = [f"{a}{'' if _HAN.search(a + b) else ' '}{b}" for a, b in zip(words, words[1:])]
        terms = words + phrases
        counts.update(terms)
        for term in set(terms):
            documents[term] += 1
            weighted[term] += weight
    common = counts.most_common(top)
    return pd.DataFrame([(t, n, documents[t], weighted[t]) for t, n in common],
                        columns=["term", "count", "documents", "weighted"]).set_index("term")
