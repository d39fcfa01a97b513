"""HTML export and table rendering, on hand-made notebooks (no kernel needed)."""

from __future__ import annotations

import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cjwork.reports import display as d
from cjwork.reports.html import export_html, headings, toc_html


def _executed() -> object:
    return new_notebook(
        cells=[
            new_code_cell("secret_parameter = 1", metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os  # setup",
                metadata={"tags": ["remove_cell"]},
                outputs=[new_output("stream", name="stdout", text="hidden setup output")],
            ),
            new_code_cell(
                "show()",
                outputs=[
                    new_output("display_data", data={"text/markdown": "# Firma — Onboarding"})
                ],
            ),
            new_markdown_cell("## Executive summary\n\nAll is well."),
            new_code_cell(
                "record()",
                outputs=[
                    new_output("display_data", data=d.record_bundle("key_figures", {"events": 3})),
                    new_output(
                        "display_data",
                        data={"text/html": d.table_html(pd.DataFrame({"events": [1234]}))},
                    ),
                ],
            ),
            new_code_cell(
                "x",
                outputs=[new_output("display_data", data={"text/markdown": "### Data quality"})],
            ),
        ]
    )


def test_export_hides_code_and_removed_cells_and_builds_a_toc() -> None:
    page = export_html(_executed(), title="Firma — Onboarding", footer="cjwork test")
    assert "<title>Firma — Onboarding</title>" in page
    assert page.count("<script") == 1 and "cjwork report tables" in page  # the table script
    assert "http://" not in page and "https://" not in page
    for hidden in (
        "secret_parameter",
        "hidden setup output",
        "import os",
        "record()",
        "recorded key_figures",
    ):
        assert hidden not in page
    assert "1,234" in page and "All is well." in page and "cjwork test" in page
    assert [h[2] for h in headings(page)] == [
        "Firma — Onboarding",
        "Executive summary",
        "Data quality",
    ]
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert (
        'href="#Executive-summary"' in nav and 'href="#Data-quality"' in nav and "Firma" not in nav
    )


def test_toc_nests_subsections() -> None:
    toc = toc_html([(1, "t", "Title"), (2, "a", "A"), (3, "a1", "A1"), (2, "b", "B")])
    assert toc == (
        '<h2>Contents</h2><ol><li><a href="#a">A</a><ol><li><a href="#a1">A1</a></li></ol></li>'
        '<li><a href="#b">B</a></li></ol>'
    )


def test_tables_are_localised_and_records_read_back() -> None:
    df = pd.DataFrame(
        {
            "figure": ["events"],
            "total": [12345],
            "change": [0.0512],
            "share": [0.5],
            "quick_win": [True],
        }
    )
    en = d.table_html(df, change=["change"], percent=["share"])
    de = d.table_html(df, language="de", change=["change"], percent=["share"])
    assert (
        "12,345" in en and "+5.1 %" in en and "50.0 %" in en and ">yes<" in en and ">Figure<" in en
    )
    assert (
        "12.345" in de
        and "+5,1 %" in de
        and "50,0 %" in de
        and ">ja<" in de
        and ">Kennzahl<" in de
        and "Ereignisse" in de
    )
    assert d.format_number(float("nan")) == "–"
    nb = _executed()
    assert d.read_records(nb) == {"key_figures": {"events": 3}}


def test_durations_in_a_readable_unit():
    assert [d.format_duration(s) for s in (45, 600, 9000, 355_032.0, float("nan"))] == [
        "45 s",
        "10 min",
        "2.5 h",
        "4.1 d",
        "–",
    ]
    assert [d.format_duration(s, "de") for s in (9000, 355_032.0, 1_234_567_890)] == [
        "2,5 Std.",
        "4,1 Tage",
        "14.289,0 Tage",
    ]
    timing = d.table_html(
        pd.DataFrame({"measure": ["case_duration", "wait"], "unit": ["", "wait_s"]}),
        language="de",
    )
    assert ">Falldauer<" in timing and ">Kennzahl<" in timing and ">Messgröße<" in timing
