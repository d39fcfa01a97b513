"""Values from data made safe where they enter Markdown or HTML — the one place that does it.

Journey names, owners and above all feedback texts come from outside. Every value that a
report, a card or the explorer writes into Markdown or HTML goes through one of these
functions, so that ``<script>``, ``<img onerror=…>`` or a Markdown link to ``javascript:``
is shown as text and never run.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["escape_html", "escape_markdown", "markdown_to_plain"]

# Markdown's inline punctuation: a backslash before each makes it literal text anywhere
# (CommonMark allows a backslash escape before any ASCII punctuation character). Without
# ``[``/``]`` no link or image can open, so ``(``, ``)``, ``!`` and ``.`` stay readable.
# ``<``, ``>`` and ``&`` are left to the HTML escape: a backslash before an entity would
# show the entity as text.
_MARKDOWN_PUNCT = re.compile(r"([\\`*_\[\]|~])")
# what starts a block only at the start of a line (a heading, a list item, a setext rule,
# an ordered item): escaped where a value begins, as a value may be put at a line's start.
# (``>`` needs no backslash: the HTML escape makes it ``&gt;``, which starts no quote.)
_MARKDOWN_BLOCK_START = re.compile(r"^([#+\-=])|^(\d+)([.)])")


def escape_html(value: Any) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes.

    Parameters
    ----------
    value : Any
        Any value; ``None`` becomes the empty string.

    Returns
    -------
    str
        The text with ``&``, ``<``, ``>``, ``"`` and ``'`` replaced by entities.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def escape_markdown(value: Any) -> str:
    """``value`` as literal text inside Markdown that is rendered to HTML.

    HTML is escaped (raw HTML in Markdown is passed on by the renderer) and Markdown's
    punctuation gets a backslash, so no value can open a link, an image, emphasis or a
    heading. Line breaks become spaces: one value never starts a new block.

    Parameters
    ----------
    value : Any
        Any value; ``None`` becomes the empty string.

    Returns
    -------
    str
        Text that renders as itself.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = _MARKDOWN_PUNCT.sub(r"\\\1", text)
    text = _MARKDOWN_BLOCK_START.sub(
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text
    )
    return html.escape(text, quote=False)


_MARKDOWN_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-=.!|~])")


def markdown_to_plain(text: Any) -> str:
    """A Markdown fragment built with :func:`escape_markdown` as plain text (for figures).

    Drops ``**`` emphasis, removes the backslashes :func:`escape_markdown` added and turns
    the HTML entities back into characters. Only for renderers that draw text (matplotlib),
    never for HTML.

    Examples
    --------
    >>> markdown_to_plain("Mostly here for **" + escape_markdown("<b>Sign-up</b>") + "**")
    'Mostly here for <b>Sign-up</b>'
    """
    if text is None:
        return ""
    plain = str(text).replace("**", "")
    plain = _MARKDOWN_UNESCAPE.sub(r"\1", plain)
    return html.unescape(plain)
