"""Charts with hover where it pays, still one offline file and no script: a figure is put
inline as SVG (not as an ``<img>``) and each data point gets an SVG ``<title>`` — the
browser shows it as a tooltip on hover, screen readers read it, printing ignores it.

>>> svg = figure_svg(fig)                                              # doctest: +SKIP
>>> svg = add_point_titles(svg, "touchpoints", ["Hotline: +0.02", ...])  # doctest: +SKIP
>>> html = inline_svg_html(svg, "Priority matrix of the service journey")  # doctest: +SKIP
"""

from __future__ import annotations

import re

from cjwork.markup import escape_html

__all__ = ["add_point_titles", "inline_svg_html"]

_ELEMENT = re.compile(r"<(path|use)\b([^>]*?)(/?)>", re.S)


def add_point_titles(svg: str, group_id: str, titles: list[str]) -> str:
    """Give the k-th mark (``<path>``/``<use>``) of the SVG group ``<g id="group_id">`` the
    tooltip ``titles[k]`` (matplotlib writes a scatter's points in data order into the
    group named by its ``gid``). Titles are escaped; a group that is missing or holds a
    different number of marks leaves the SVG unchanged."""
    start = svg.find(f'<g id="{group_id}">')
    if start < 0:
        return svg
    body_start = start + len(f'<g id="{group_id}">')
    depth, pos = 1, body_start
    for m in re.finditer(r"<g\b[^>]*?(/?)>|</g>", svg[body_start:]):
        if m.group(0) == "</g>":
            depth -= 1
        elif not m.group(1):
            depth += 1
        if depth == 0:
            pos = body_start + m.start()
            break
    else:
        return svg
    body = svg[body_start:pos]
    marks = list(_ELEMENT.finditer(body))
    if len(marks) != len(titles):
        return svg
    out, last = [], 0
    for m, title in zip(marks, titles, strict=True):
        tag, attrs, closed = m.groups()
        out.append(body[last : m.start()])
        tip = f"<title>{escape_html(title)}</title>"
        if closed:
            out.append(f"<{tag}{attrs}>{tip}</{tag}>")
        else:  # pragma: no cover - matplotlib writes marks self-closed
            out.append(f"<{tag}{attrs}>{tip}")
        last = m.end()
    out.append(body[last:])
    return svg[:body_start] + "".join(out) + svg[pos:]


def inline_svg_html(svg: str, label: str) -> str:
    """An SVG document as an inline figure: the XML prologue and doctype dropped, the root
    marked ``role="img"`` with an ``aria-label`` (escaped)."""
    body = svg[svg.find("<svg") :] if "<svg" in svg else svg
    body = body.replace("<svg", f'<svg role="img" aria-label="{escape_html(label)}"', 1)
    return f'<figure class="cjwork-figure">{body}</figure>'
