"""Loading and checking frames from CSV, Excel and DataFrames."""

from __future__ import annotations

import pandas as pd
import pytest

from survey_engine.errors import SamplingError
from survey_engine.sampling import FrameColumns, SamplingErrorCode, load_frame

from .conftest import small_frame_data

COLUMNS = {"id": "uid", "stratum": "region", "size": "size", "contact": ["phone"]}


def test_csv_and_excel_load_the_same_frame(tmp_path):
    """A CSV and an Excel copy of one frame load with the same ids and the same fingerprint."""
    data = small_frame_data()
    data.to_csv(tmp_path / "f.csv", index=False)
    data.to_excel(tmp_path / "f.xlsx", index=False)
    a = load_frame(tmp_path / "f.csv", COLUMNS)
    b = load_frame(tmp_path / "f.xlsx", COLUMNS)
    assert a.data["uid"].tolist() == b.data["uid"].tolist() == data["uid"].tolist()
    assert a.hash == b.hash


def test_ids_keep_leading_zeros(tmp_path):
    """Ids such as 00123 are read as text, not numbers."""
    (tmp_path / "f.csv").write_text("code,h\n00123,a\n00124,a\n", encoding="utf-8")
    frame = load_frame(tmp_path / "f.csv", {"id": "code", "stratum": "h"})
    assert frame.data["code"].tolist() == ["00123", "00124"]


def test_problems_are_located_by_line(tmp_path):
    """Duplicate ids and missing strata are all reported, each with its file line."""
    (tmp_path / "f.csv").write_text("id,h\n1,a\n2,\n1,b\n", encoding="utf-8")
    with pytest.raises(SamplingError) as err:
        load_frame(tmp_path / "f.csv", {"id": "id", "stratum": "h"})
    found = {(p.path, p.code) for p in err.value.problems}
    assert ("line 2", SamplingErrorCode.DUPLICATE_ID) in found
    assert ("line 4", SamplingErrorCode.DUPLICATE_ID) in found
    assert ("line 3", SamplingErrorCode.MISSING_STRATUM) in found


def test_nonpositive_sizes_are_located_when_pps_needs_them(tmp_path):
    """A zero and a missing size are reported by line when sizes are required."""
    (tmp_path / "f.csv").write_text("id,x\n1,5\n2,0\n3,\n", encoding="utf-8")
    with pytest.raises(SamplingError) as err:
        load_frame(tmp_path / "f.csv", {"id": "id", "size": "x"}, require_size=True)
    assert err.value.code is SamplingErrorCode.NONPOSITIVE_SIZE
    assert [p.path for p in err.value.problems] == ["line 3", "line 4"]
    load_frame(tmp_path / "f.csv", {"id": "id", "size": "x"})  # fine when no PPS design asks


def test_unknown_column_is_named():
    """Mapping a column that is not in the frame fails with UNKNOWN_COLUMN naming it."""
    with pytest.raises(SamplingError) as err:
        load_frame(small_frame_data(), {"id": "uid", "stratum": "district"})
    assert err.value.code is SamplingErrorCode.UNKNOWN_COLUMN
    assert "'district'" in str(err.value)


def test_unknown_mapping_key_is_named():
    """A column mapping with an unknown role fails with UNKNOWN_KEY naming the key."""
    with pytest.raises(SamplingError) as err:
        FrameColumns.from_mapping({"id": "uid", "strata": "region"})
    assert err.value.code is SamplingErrorCode.UNKNOWN_KEY
    assert "'strata'" in str(err.value)


def test_missing_file():
    """A frame path that does not exist fails with FILE_NOT_FOUND."""
    with pytest.raises(SamplingError) as err:
        load_frame("/nonexistent/frame.csv", {"id": "id"})
    assert err.value.code is SamplingErrorCode.FILE_NOT_FOUND


def test_summary_by_stratum(small_frame):
    """The summary counts units, PSUs and size per stratum, with a total row."""
    table = small_frame.summary()
    assert table.loc["a", "units"] == 5 and table.loc["b", "units"] == 6
    assert table.loc["a", "size_total"] == 78.0
    assert table.loc["c", "clusters"] == 2
    assert table.loc["Total", "units"] == 15 and table.loc["Total", "size_total"] == 139.0


def test_fingerprint_changes_with_design_columns_only():
    """Changing a size changes the frame hash; changing a phone number does not."""
    data = small_frame_data()
    base = load_frame(data, COLUMNS).hash
    other = data.copy()
    other.loc[0, "phone"] = "0"
    assert load_frame(other, COLUMNS).hash == base
    other.loc[0, "size"] = 99.0
    assert load_frame(other, COLUMNS).hash != base


def test_empty_frame():
    """A frame without rows fails with EMPTY_FRAME."""
    with pytest.raises(SamplingError) as err:
        load_frame(pd.DataFrame({"id": []}), {"id": "id"})
    assert err.value.code is SamplingErrorCode.EMPTY_FRAME


def test_contact_column_cannot_be_kept():
    """Listing a contact column under 'keep' fails with CONTACT_COLUMN (PIPL: contacts stay in the frame)."""
    with pytest.raises(SamplingError) as err:
        load_frame(small_frame_data(), {"id": "uid", "contact": ["phone"], "keep": ["phone"]})
    assert err.value.code is SamplingErrorCode.CONTACT_COLUMN


@pytest.mark.parametrize("ids", [[1, 2, 2, 5], [1, 10**15, 10**15, 7]])
def test_duplicate_integer_ids_dense_and_sparse(ids):
    """Duplicate integer ids are found whether the ids are dense (counting) or sparse (hashing)."""
    with pytest.raises(SamplingError) as err:
        load_frame(pd.DataFrame({"id": ids}), {"id": "id"})
    assert [p.path for p in err.value.problems] == ["row 1", "row 2"]
    assert all(p.code is SamplingErrorCode.DUPLICATE_ID for p in err.value.problems)


def test_gb18030_csv_is_read(tmp_path):
    """A CSV saved in GB18030 (common for Chinese Excel exports) loads with its Chinese strata intact."""
    (tmp_path / "f.csv").write_bytes("编号,区\n1,东城区\n2,西城区\n".encode("gb18030"))
    frame = load_frame(tmp_path / "f.csv", {"id": "编号", "stratum": "区"})
    assert frame.data["区"].tolist() == ["东城区", "西城区"]
