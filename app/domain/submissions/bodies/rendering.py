"""Submission bodies: the editor's HTML, or Markdown with HTML allowed, rendered to sanitised HTML.

Every body is rendered here before it is shown or printed, so the policy in
`app.domain.submissions.bodies.policy` is the only thing that decides what reaches a reader.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from app.domain.submissions.bodies import editing
from app.domain.submissions.bodies import policy as html_policy

DEFAULT_ID_PREFIX = "body-"
_ID_PREFIX = re.compile(r"[a-z][a-z0-9-]{0,30}")
_TABLE_ALIGNMENT = re.compile(r"text-align:(left|center|right)")
# nh3 re-serialises its output escaping "<" and ">" in text and in attribute
# values, and quoting every value with '"', so in its output a literal "<img"
# is always a real tag and this pattern spans exactly that tag.
_SERIALISED_IMG = re.compile(r'<img(?:\s+[^\s=>"]+(?:="[^"]*")?)*\s*/?>')

_markdown = (
    MarkdownIt("commonmark", {"html": True})
    .enable(["table", "strikethrough"])
    .use(footnote_plugin)
)


@dataclass(frozen=True)
class RenderedBody:
    html: str
    removed: list[str] = field(default_factory=list)


BODY_FORMATS = ("html", "markdown")


def render_body(source: str, *, id_prefix: str = DEFAULT_ID_PREFIX, source_format: str = "markdown") -> RenderedBody:
    """Render a body to sanitised HTML: the editor's HTML, or Markdown (HTML allowed).

    `removed` lists what the sanitiser took out, in short English, each kind once
    with a count when repeated. Every `id` gets `id_prefix` and every `#fragment`
    link is rewritten to match, so ids cannot clash with the page around the body;
    give each body its own prefix when several share a page (the proceedings).
    """
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must be lowercase letters, digits and '-': {id_prefix!r}")
    converted = _converted(source, source_format)
    return RenderedBody(html=_clean(converted, id_prefix), removed=html_policy.find_removals(converted))


def _clean(converted: str, id_prefix: str) -> str:
    cleaned = nh3.clean(
        converted,
        tags=html_policy.ALLOWED_TAGS,
        clean_content_tags=html_policy.CONTENT_DROPPED_TAGS,
        attributes=html_policy.ALLOWED_ATTRIBUTES,
        attribute_filter=_AttributeFilter(id_prefix),
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
    )
    return _drop_images_without_source(cleaned)


def editor_html(source: str, source_format: str) -> str:
    """A stored body as the editor opens it: sanitised (without id prefixes),
    with each note at its call. Markdown bodies (written before the editor)
    come out as HTML that renders the same."""
    return editing.for_editor(_clean(_converted(source, source_format), id_prefix=""))


def _converted(source: str, source_format: str) -> str:
    if source_format not in BODY_FORMATS:
        raise ValueError(f"unknown body format: {source_format!r}")
    # Markdown may hold the editor's HTML too (typed without JavaScript, in the
    # textarea the editor fills): its notes are set out either way.
    return editing.from_editor(source if source_format == "html" else _markdown_to_html(source))


def _markdown_to_html(markdown_text: str) -> str:
    tokens = _markdown.parse(markdown_text)
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            # markdown-it aligns columns with inline styles, which we do not allow.
            alignment = _TABLE_ALIGNMENT.fullmatch(str(token.attrs.pop("style", "")))
            if alignment:
                token.attrs["class"] = f"align-{alignment.group(1)}"
    return _markdown.renderer.render(tokens, _markdown.options, {})


class _AttributeFilter:
    """nh3 callback: applies the URL, id, class and number rules to allowed attributes."""

    def __init__(self, id_prefix: str) -> None:
        self.id_prefix = id_prefix

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            if not html_policy.href_is_allowed(value):
                return None
            return f"#{self.id_prefix}{value[1:]}"
        if attribute == "src":
            # An <img> left without src is removed afterwards.
            return value if html_policy.img_src_is_allowed(value) else None
        if attribute == "id":
            return f"{self.id_prefix}{value}" if html_policy.id_is_allowed(value) else None
        if attribute == "class":
            return " ".join(html_policy.safe_classes(tag, value)) or None
        if attribute in html_policy.NUMBER_ATTRIBUTES:
            return value if html_policy.number_is_allowed(attribute, value) else None
        return value


def _drop_images_without_source(html: str) -> str:
    return _SERIALISED_IMG.sub(lambda m: m.group(0) if ' src="' in m.group(0) else "", html)


_BLOCK_TAGS = html_policy.HEADINGS | {
    "p", "div", "section", "blockquote", "pre", "ul", "ol", "li", "table", "thead",
    "tbody", "tfoot", "tr", "caption", "figure", "figcaption", "hr",
}
_CELL_TAGS = {"td", "th"}


def character_count(html: str) -> int:
    """字数 of sanitised body HTML: its characters without spaces, the notes' text
    included but not their numbers or back links — what the editor shows as the
    author types (static/js/body-editor.js)."""
    text = plain_text(_NOTE_MARKERS.sub("", html))
    return sum(1 for character in text if not character.isspace())


# In nh3's output (see _SERIALISED_IMG) a note's call and its back link are exactly these.
_NOTE_MARKERS = re.compile(r'<sup class="footnote-ref">.*?</sup>|<a [^>]*class="footnote-backref"[^>]*>.*?</a>')


def plain_text(html: str) -> str:
    """The text of sanitised body HTML: one paragraph per block, separated by blank lines.

    Whitespace inside a block is collapsed; table cells are separated by tabs.
    Meant for search and for comparing versions, not for display.
    """
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "\n\n".join(collector.paragraphs())


# Private-use placeholders for line and cell breaks while whitespace is folded;
# the same characters are stripped from the text itself.
_LINE_BREAK = "\ue000"
_CELL_BREAK = "\ue001"


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._blocks: list[str] = []
        self._current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._end_block()
        elif tag in _CELL_TAGS and self._current:
            self._current.append(_CELL_BREAK)
        elif tag == "br":
            self._current.append(_LINE_BREAK)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._current.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        self._current.append(data.replace(_LINE_BREAK, "").replace(_CELL_BREAK, ""))

    def close(self) -> None:
        super().close()
        self._end_block()

    def paragraphs(self) -> list[str]:
        return self._blocks

    def _end_block(self) -> None:
        text = " ".join("".join(self._current).split())
        for mark, replacement in ((_LINE_BREAK, "\n"), (_CELL_BREAK, "\t")):
            text = text.replace(f" {mark}", mark).replace(f"{mark} ", mark)
            text = text.replace(mark, replacement)
        text = text.strip()
        if text:
            self._blocks.append(text)
        self._current = []
