"""Insert/replace the `section-feedback` cells of notebooks/journey_report.ipynb (after section-personas).

Run from the repository root: `.venv/bin/python notebooks/section_feedback.py`. Re-reads the
notebook right before writing and touches only the cells tagged `section-feedback`.
"""

import nbformat

PATH = "notebooks/journey_report.ipynb"
TAG = "section-feedback"
SOURCE = [
    "from cjwork.text import report_section as feedback_section\n\nfeedback_section.show_feedback(ws, params, analysis);",
]
nb = nbformat.read(PATH, as_version=4)
cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
new = [nbformat.v4.new_code_cell(src, metadata={"tags": [TAG]}) for src in SOURCE]
for i, c in enumerate(new, 1):
    c["id"] = f"{TAG}-{i}"
anchors = ("section-personas", "section-paths", "section-map", "section-summary")
idx = len(cells)
for anchor in anchors:
    found = [i for i, c in enumerate(cells) if anchor in c.metadata.get("tags", [])]
    if found:
        idx = max(found) + 1
        break
nb.cells = cells[:idx] + new + cells[idx:]
for c in nb.cells:
    if c.cell_type == "code":
        c.outputs, c.execution_count = [], None
nbformat.validator.normalize(nb)
nbformat.write(nb, PATH)
print(f"{TAG} cells at", idx)
