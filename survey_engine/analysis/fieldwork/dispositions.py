"""AAPOR disposition codes for in-person household and intercept fieldwork.

The final codes and their outcome-rate categories follow *Standard Definitions: Final
Dispositions of Case Codes and Outcome Rates for Surveys* (AAPOR, 10th edition, 2023), the
in-person household table (the same numbering as Table 2 of the 9th edition, 2016).  AAPOR
has no intercept table; intercept cases use the household codes that fit an approached
visitor (marked with the intercept mode below).  Temporary codes are this project's
convention: AAPOR asks for temporary dispositions during fieldwork but does not number them,
so each is written ``T`` + the final code it most resembles and names the final code it
becomes at close-out if nothing better is learned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from survey_engine.analysis.fieldwork.codes import FieldworkErrorCode
from survey_engine.errors import FieldworkError

__all__ = [
    "RateCategory", "DispositionCode", "DISPOSITION_CODES", "disposition", "rate_category",
    "closeout", "codes_for_mode",
]


class RateCategory(str, Enum):
    """The groups the AAPOR outcome-rate formulas count (AAPOR 2023, 'Calculating rates')."""

    I = "I"    # complete interview  # noqa: E741 - AAPOR's own symbol
    P = "P"    # partial interview
    R = "R"    # refusal and break-off
    NC = "NC"  # non-contact
    O = "O"    # other eligible non-interview  # noqa: E741
    UH = "UH"  # unknown if household / occupied housing unit
    UO = "UO"  # unknown eligibility, other
    NE = "NE"  # not eligible


@dataclass(frozen=True, slots=True)
class DispositionCode:
    """One disposition: its category (None for temporary codes) and bilingual labels."""

    code: str
    zh: str
    en: str
    category: RateCategory | None
    modes: frozenset[str]
    closeout: str | None = None

    @property
    def final(self) -> bool:
        return self.category is not None

    def label(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en


_HH = frozenset({"household"})
_BOTH = frozenset({"household", "intercept"})
_C = RateCategory


def _final(code: str, zh: str, en: str, category: RateCategory, modes: frozenset[str] = _HH) -> DispositionCode:
    return DispositionCode(code, zh, en, category, modes)


def _temporary(code: str, zh: str, en: str, becomes: str, modes: frozenset[str] = _HH) -> DispositionCode:
    return DispositionCode(code, zh, en, None, modes, closeout=becomes)


_TABLE = (
    _final("1.1", "完成访问", "Complete interview", _C.I, _BOTH),
    _final("1.2", "部分完成", "Partial interview", _C.P, _BOTH),
    _final("2.10", "拒访与中断", "Refusal and break-off", _C.R, _BOTH),
    _final("2.11", "拒访", "Refusal", _C.R, _BOTH),
    _final("2.111", "住户层面拒访", "Household-level refusal", _C.R),
    _final("2.112", "受访者本人拒访", "Known-respondent refusal", _C.R, _BOTH),
    _final("2.12", "访问中断", "Break-off", _C.R, _BOTH),
    _final("2.20", "未接触", "Non-contact", _C.NC),
    _final("2.23", "无法进入楼宇或到达住户", "Unable to enter building / reach housing unit", _C.NC),
    _final("2.24", "无人在家", "No one at residence", _C.NC),
    _final("2.25", "受访者外出或无法接触", "Respondent away / unavailable", _C.NC),
    _final("2.30", "其他（合格未访）", "Other eligible non-interview", _C.O, _BOTH),
    _final("2.31", "受访者已故", "Dead", _C.O),
    _final("2.32", "身体或精神原因无法受访", "Physically or mentally unable / incompetent", _C.O, _BOTH),
    _final("2.33", "语言障碍", "Language problem", _C.O, _BOTH),
    _final("2.331", "住户层面语言障碍", "Household-level language problem", _C.O),
    _final("2.332", "受访者语言障碍", "Respondent language problem", _C.O, _BOTH),
    _final("2.333", "无所需语言的访员", "No interviewer available for needed language", _C.O, _BOTH),
    _final("3.10", "不确定是否为住户", "Unknown if housing unit", _C.UH),
    _final("3.11", "未访问", "Not attempted or worked", _C.UH),
    _final("3.17", "无法到达或区域不安全", "Unable to reach / unsafe area", _C.UH),
    _final("3.18", "无法找到地址", "Unable to locate address", _C.UH),
    _final("3.20", "住户资格不明", "Housing unit, unknown if eligible respondent", _C.UO),
    _final("3.21", "未完成甄别", "No screener completed", _C.UO, _BOTH),
    _final("3.90", "其他（资格不明）", "Other unknown eligibility", _C.UO, _BOTH),
    _final("4.10", "样本外", "Out of sample", _C.NE, _BOTH),
    _final("4.50", "非住户", "Not a housing unit", _C.NE),
    _final("4.51", "企业、政府机关或其他机构", "Business, government office, other organization", _C.NE),
    _final("4.52", "集体机构", "Institution", _C.NE),
    _final("4.53", "集体宿舍", "Group quarters", _C.NE),
    _final("4.60", "空置住房", "Vacant housing unit", _C.NE),
    _final("4.61", "常规空置住房", "Regular, vacant residence", _C.NE),
    _final("4.62", "季节性、度假或临时住所", "Seasonal / vacation / temporary residence", _C.NE),
    _final("4.63", "其他空置", "Other vacant", _C.NE),
    _final("4.70", "无合格受访者", "No eligible respondent", _C.NE, _BOTH),
    _final("4.80", "配额已满", "Quota filled", _C.NE, _BOTH),
    _final("4.90", "其他不合格", "Other ineligible", _C.NE, _BOTH),
    _temporary("T3.11", "尚未访问", "Not yet attempted", "3.11"),
    _temporary("T2.23", "无法进入，需再访", "Could not enter building, call back", "2.23"),
    _temporary("T2.24", "无人在家，需再访", "No one at home, call back", "2.24"),
    _temporary("T2.25", "已预约或受访者外出，需再访", "Appointment / respondent away, call back", "2.25"),
    _temporary("T2.111", "住户婉拒，可再争取", "Soft household refusal, may be converted", "2.111"),
    _temporary("T2.112", "受访者婉拒，可再争取", "Soft respondent refusal, may be converted", "2.112"),
    _temporary("T2.12", "访问暂停，待续访", "Interview suspended, to be resumed", "2.12", _BOTH),
    _temporary("T2.333", "需其他语言访员", "Needs an interviewer for another language", "2.333"),
    _temporary("T3.21", "已接触，甄别未完成", "Contacted, screener not completed", "3.21"),
)

#: Every known code → its definition (read-only).
DISPOSITION_CODES: Mapping[str, DispositionCode] = MappingProxyType({d.code: d for d in _TABLE})


def _normal(code: object) -> str | None:
    """A code as text; numbers are accepted when their text is a known code (1.1, 2.11, 3.21)."""
    if isinstance(code, str):
        return code.strip()
    if isinstance(code, (int, float)) and not isinstance(code, bool) and code == code:
        return str(code)
    return None


def disposition(code: object, *, where: str = "disposition") -> DispositionCode:
    """The definition of ``code``; ``where`` (row, column) goes into the error message."""
    text = _normal(code)
    found = DISPOSITION_CODES.get(text) if text is not None else None
    if found is None:
        hint = (" Read the column as text (dtype=str) so that 2.10 is not turned into 2.1."
                if isinstance(code, float) else "")
        raise FieldworkError(f"[{where}] {code!r} is not an AAPOR disposition code of this project; "
                             "use a code of DISPOSITION_CODES (docs/fieldwork.md), "
                             f"e.g. 1.1, 2.11, 2.24, 3.21, 4.70.{hint}",
                             FieldworkErrorCode.UNKNOWN_CODE)
    return found


def rate_category(code: object, *, where: str = "disposition") -> RateCategory:
    """The outcome-rate category (I, P, R, NC, O, UH, UO, NE) of a final code."""
    found = disposition(code, where=where)
    if found.category is None:
        raise FieldworkError(f"[{where}] {found.code!r} ({found.en}) is a temporary code; rates need final "
                             f"codes — close the case out (closeout gives {found.closeout!r}).",
                             FieldworkErrorCode.TEMPORARY_CODE)
    return found.category


def closeout(code: object, *, where: str = "disposition") -> str:
    """The final code a case keeps when fieldwork ends: finals stay, temporaries become their close-out code."""
    found = disposition(code, where=where)
    return found.code if found.final else str(found.closeout)


def codes_for_mode(mode: str, *, final: bool | None = None) -> tuple[DispositionCode, ...]:
    """Codes an interviewer may record in ``mode`` ("household" or "intercept")."""
    if mode not in {"household", "intercept"}:
        raise FieldworkError(f"codes_for_mode: mode {mode!r} is not 'household' or 'intercept'.",
                             FieldworkErrorCode.BAD_OPTION)
    return tuple(d for d in _TABLE if mode in d.modes and (final is None or d.final is final))
