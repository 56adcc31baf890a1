"""The PDF of the demo report: real pages, an embedded CJK font, and Chinese text that is text (no tofu).

Uses poppler-utils (pdffonts, pdftoppm, pdftotext), installed with fonts-noto-cjk by .ci/run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

from survey_engine.analysis.indices import estimate_indices
from survey_engine.analysis.scores import ScoreSpec
from survey_engine.analysis.design_file import load_design


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_pdf_embeds_a_cjk_font(demo_pdf):
    """pdffonts lists a Noto CJK font with emb = yes: readers need no installed Chinese font."""
    assert demo_pdf.read_bytes().startswith(b"%PDF-")
    rows = [line.split() for line in _run("pdffonts", str(demo_pdf)).splitlines()[2:]]
    cjk = [row for row in rows if "CJK" in row[0]]
    assert cjk, rows
    assert all(row[-5] == "yes" for row in cjk)  # the "emb" column (then sub, uni, object, generation)


def test_pdf_text_holds_chinese_and_the_computed_index(demo_pdf, demo_inputs):
    """The extracted text has 满意度 and the composite index as the analysis API computes it."""
    text = _run("pdftotext", "-layout", str(demo_pdf), "-")
    assert "满意度" in text and "差评率" in text and "Satisfaction" in text
    design = load_design(demo_inputs.data, dict(demo_inputs.design))
    csi = estimate_indices(design, ScoreSpec.from_questionnaire(demo_inputs.questionnaire)).table.loc["csi"]
    assert f"{csi['estimate']:.1f}" in text and f"{csi['ci_low']:.1f}–{csi['ci_high']:.1f}" in text
    assert "\ufffd" not in text  # no replacement characters


def test_pdf_pages_render_and_are_not_blank(demo_pdf, tmp_path: Path):
    """pdftoppm renders the cover, methodology and results pages, each with real ink on it."""
    _run("pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "4", str(demo_pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 4
    for page in pages:
        with Image.open(page) as image:
            grey = image.convert("L")
            dark = sum(grey.histogram()[:200])
            assert dark / (grey.width * grey.height) > 0.005, page.name
    assert int(_run("pdfinfo", str(demo_pdf)).split("Pages:")[1].split()[0]) >= 6
