"""Sampling frames: load from CSV, Excel or a DataFrame, check, summarise and fingerprint.

A frame maps its own column names onto roles (:class:`FrameColumns`): unit id, stratum, size
measure, cluster (PSU), and contact columns.  Contact details (names, phones, addresses) stay
in the frame; samples drawn from it carry only ids and design variables unless asked for.
Checks collect every problem, each located by its line in the file (header = line 1).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from survey_engine.errors import Problem
from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = ["FrameColumns", "Frame", "load_frame", "frame_hash"]

_MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class FrameColumns:
    """Which frame column plays which role; only ``id`` is required."""

    id: str
    stratum: str | None = None
    size: str | None = None
    cluster: str | None = None
    contact: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  #: further design variables copied into every sample

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], where: str = "frame") -> "FrameColumns":
        """Build from a dict (a design file's ``frame`` object); unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            fail(SamplingErrorCode.UNKNOWN_KEY,
                 f"{where}: unknown key '{unknown[0]}'; accepted keys are {sorted(known)}.")
        if "id" not in mapping:
            fail(SamplingErrorCode.MISSING_KEY,
                 f"{where}: key 'id' is missing; name the column holding the unit ids.")
        values = dict(mapping)
        for key in ("contact", "keep"):
            names = values.get(key, ())
            names = (names,) if isinstance(names, str) else names
            if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
                fail(SamplingErrorCode.BAD_VALUE,
                     f"{where}: '{key}' must be a column name or a list of column names.")
            values[key] = tuple(names)
        for role in ("id", "stratum", "size", "cluster"):
            if values.get(role) is not None and not isinstance(values[role], str):
                fail(SamplingErrorCode.BAD_VALUE, f"{where}: '{role}' must be a column name (text).")
        return cls(**values)

    def design_columns(self) -> tuple[str, ...]:
        """Columns that define the design (and so enter the frame fingerprint and the sample)."""
        return tuple(c for c in (self.id, self.stratum, self.cluster, self.size) if c) + self.keep


def frame_hash(data: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """SHA-256 over the design columns (names and values, row order included).

    Numbers are hashed as float64 and everything else as text, so the same frame gives the
    same fingerprint whether it came from CSV, Excel or a DataFrame.
    """
    digest = hashlib.sha256("\x1f".join(columns).encode())
    for name in columns:
        col = data[name]
        if pd.api.types.is_numeric_dtype(col):
            values = np.ascontiguousarray(col.to_numpy(dtype="<f8", na_value=np.nan))
        else:
            values = pd.util.hash_pandas_object(col.astype(str), index=False).to_numpy()
        digest.update(memoryview(values).cast("B"))
    return digest.hexdigest()


def _duplicated(ids: pd.Series) -> np.ndarray:
    """Mask of every row whose (present) id occurs more than once."""
    x = ids.to_numpy()
    if x.dtype.kind in "iu" and x.size:
        # Dense integer ids (the usual register numbering): counting beats hashing.
        low, high = int(x.min()), int(x.max())
        if high - low <= 4 * x.size:
            shifted = x.astype(np.intp) - low
            counts = np.bincount(shifted, minlength=high - low + 1)
            if counts.max() <= 1:
                return np.zeros(x.size, dtype=bool)
            return counts[shifted] > 1
    return ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()


@dataclass(frozen=True)
class Frame:
    """A checked sampling frame; build it with :func:`load_frame`."""

    data: pd.DataFrame = field(repr=False)
    columns: FrameColumns
    hash: str
    source: str = "<DataFrame>"
    from_file: bool = False

    def __len__(self) -> int:
        return len(self.data)

    def where(self, position: int) -> str:
        """Human location of the unit at ``position``: file line (header is line 1) or row label."""
        if self.from_file:
            return f"line {position + 2}"
        return f"row {self.data.index[position]!r}"

    def require(self, role: str, design: str) -> str:
        """Return the column mapped to ``role``; fail if the design needs it and it is unmapped."""
        column = getattr(self.columns, role)
        if not column:
            fail(SamplingErrorCode.MISSING_KEY,
                 f"frame: design '{design}' needs a '{role}' column; map it in the frame columns.")
        return column

    def sizes(self, design: str) -> np.ndarray:
        """Size measures as floats, after checking that every one is present and positive."""
        column = self.require("size", design)
        x = pd.to_numeric(self.data[column], errors="coerce").to_numpy(dtype=np.float64)
        if x.min() > 0 and x.max() < np.inf:  # NaN makes the minimum NaN and fails the test
            return x
        bad = np.flatnonzero(~(x > 0) | ~np.isfinite(x))
        if bad.size:
            problems = tuple(
                Problem(self.where(int(i)), f"size '{column}' = {self.data[column].iloc[i]!r}",
                        SamplingErrorCode.NONPOSITIVE_SIZE) for i in bad[:_MAX_LISTED])
            fail(SamplingErrorCode.NONPOSITIVE_SIZE,
                 f"{self.source}: {bad.size} unit(s) have a missing or non-positive size in "
                 f"'{column}', first at {self.where(int(bad[0]))}; design '{design}' needs a "
                 "positive size for every unit: correct them or drop the units.", problems)
        return x

    def summary(self) -> pd.DataFrame:
        """Units (and size total, mean, min, max; clusters) by stratum, plus a 'Total' row."""
        c = self.columns
        key = self.data[c.stratum] if c.stratum else pd.Series("all", index=self.data.index)
        parts: dict[str, pd.Series] = {"units": key.groupby(key, sort=True).size()}
        if c.cluster:
            parts["clusters"] = self.data[c.cluster].groupby(key, sort=True).nunique()
        if c.size:
            x = pd.to_numeric(self.data[c.size], errors="coerce").groupby(key, sort=True)
            parts.update(size_total=x.sum(), size_mean=x.mean(), size_min=x.min(), size_max=x.max())
        table = pd.DataFrame(parts)
        total: dict[str, float] = {"units": float(len(self.data))}
        if c.cluster:
            total["clusters"] = float(self.data[c.cluster].nunique())
        if c.size:
            xs = pd.to_numeric(self.data[c.size], errors="coerce")
            total.update(size_total=xs.sum(), size_mean=xs.mean(), size_min=xs.min(), size_max=xs.max())
        table.loc["Total"] = pd.Series(total)
        table.index.name = c.stratum or "stratum"
        return table


def _read(source: str | Path, columns: FrameColumns, sheet: str | int | None) -> pd.DataFrame:
    path = Path(source)
    if not path.exists():
        fail(SamplingErrorCode.FILE_NOT_FOUND, f"{path}: no such file; check the frame path.")
    text_cols = {c: str for c in (columns.id, columns.stratum, columns.cluster) if c}
    text_cols.update({c: str for c in columns.contact})
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            return pd.read_excel(path, sheet_name=sheet or 0, engine="openpyxl", dtype=text_cols)
        # a damaged workbook fails inside zipfile, the XML parser (ParseError is a SyntaxError) or
        # openpyxl's number conversion (a cell of "inf" overflows)
        except (ValueError, OSError, KeyError, EOFError, SyntaxError, OverflowError, zipfile.BadZipFile) as exc:
            fail(SamplingErrorCode.UNREADABLE_FILE, f"{path}: cannot be read as an Excel frame ({exc}).")
    problem: Exception | None = None
    # Spreadsheet exports in China are often GB18030/GBK rather than UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            header = pd.read_csv(path, nrows=0, encoding=encoding).columns
            return pd.read_csv(path, dtype={k: v for k, v in text_cols.items() if k in header},
                               encoding=encoding)
        except UnicodeDecodeError as exc:
            problem = exc
        except (ValueError, OSError) as exc:
            problem = exc
            break
    fail(SamplingErrorCode.UNREADABLE_FILE,
         f"{path}: cannot be read as a CSV frame in UTF-8 or GB18030 ({problem}); save it as UTF-8 CSV.")


def load_frame(
    source: str | Path | pd.DataFrame,
    columns: FrameColumns | Mapping[str, Any],
    *,
    require_size: bool = False,
    sheet: str | int | None = None,
) -> Frame:
    """Load and check a frame; raise ``SamplingError`` listing every problem found.

    Checks: mapped columns exist; ids present and unique; strata present (when mapped);
    sizes present and positive (when ``require_size``, as PPS designs need).
    """
    cols = columns if isinstance(columns, FrameColumns) else FrameColumns.from_mapping(columns)
    from_file = not isinstance(source, pd.DataFrame)
    data = _read(source, cols, sheet) if from_file else source
    name = str(source) if from_file else "<DataFrame>"
    wanted = [cols.id] + [c for c in (cols.stratum, cols.size, cols.cluster) if c]  # an empty id is unknown too
    wanted += list(cols.contact) + list(cols.keep)
    unknown = [c for c in wanted if c not in data.columns]
    if unknown:
        fail(SamplingErrorCode.UNKNOWN_COLUMN,
             f"{name}: column '{unknown[0]}' is not in the frame (columns: "
             f"{list(map(str, data.columns))[:30]}); correct the column mapping.",
             tuple(Problem(name, f"unknown column '{c}'", SamplingErrorCode.UNKNOWN_COLUMN)
                   for c in unknown))
    leaking = sorted(set(cols.keep) & set(cols.contact))
    if leaking:
        fail(SamplingErrorCode.CONTACT_COLUMN,
             f"{name}: contact column '{leaking[0]}' is also listed in 'keep'; contact details "
             "never go into samples by default — remove it from 'keep' and use include_contact.")
    if len(data) == 0:
        fail(SamplingErrorCode.EMPTY_FRAME, f"{name}: the frame has no units; give a non-empty frame.")
    frame = Frame(data, cols, frame_hash(data, cols.design_columns()), name, from_file)

    problems: list[Problem] = []
    ids = data[cols.id]
    for i in np.flatnonzero(ids.isna().to_numpy())[:_MAX_LISTED]:
        problems.append(Problem(frame.where(int(i)), f"id '{cols.id}' is missing",
                                SamplingErrorCode.MISSING_ID))
    dup = np.flatnonzero(_duplicated(ids))
    for i in dup[:_MAX_LISTED]:
        problems.append(Problem(frame.where(int(i)), f"id {ids.iloc[i]!r} occurs more than once",
                                SamplingErrorCode.DUPLICATE_ID))
    if cols.stratum:
        for i in np.flatnonzero(data[cols.stratum].isna().to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(frame.where(int(i)), f"stratum '{cols.stratum}' is missing",
                                    SamplingErrorCode.MISSING_STRATUM))
    if cols.cluster:
        for i in np.flatnonzero(data[cols.cluster].isna().to_numpy())[:_MAX_LISTED]:
            problems.append(Problem(frame.where(int(i)), f"cluster '{cols.cluster}' is missing",
                                    SamplingErrorCode.MISSING_KEY))
    if problems:
        first = problems[0]
        fail(first.code, f"{name}: {len(problems)} problem(s) in the frame, first at {first}; "
             "correct the frame and load it again.", tuple(problems))
    if require_size:
        frame.sizes("pps")
    return frame
