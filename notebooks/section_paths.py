"""Insert/replace the `section-paths` cells of notebooks/journey_report.ipynb (right after section-map).

Run from the repository root: `.venv/bin/python notebooks/section_paths.py`. Re-reads the notebook
right before writing and touches only the cells tagged `section-paths`.
"""

import nbformat

PATH = "notebooks/journey_report.ipynb"
TAG = "section-paths"
SOURCE = [
    "from cjwork.reports import paths_section\n\npaths_section.show_paths(analysis, ws, params);",
]
nb = nbformat.read(PATH, as_version=4)
cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
new = [nbformat.v4.new_code_cell(src, metadata={"tags": [TAG]}) for src in SOURCE]
for i, c in enumerate(new, 1):
    c["id"] = f"section-paths-{i}"
idx = (
    max(
        (i for i, c in enumerate(cells) if "section-map" in c.metadata.get("tags", [])),
        default=len(cells) - 1,
    )
    + 1
)
nb.cells = cells[:idx] + new + cells[idx:]
for c in nb.cells:
    if c.cell_type == "code":
        c.outputs, c.execution_count = [], None
nbformat.validator.normalize(nb)
nbformat.write(nb, PATH)
print("section-paths cells at", idx)
