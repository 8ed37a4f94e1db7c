"""What HTML a submission body may contain, and a reader that lists what breaks the rules.

The allow-list is enforced by nh3 in `app.domain.submissions.bodies.rendering`; `find_removals` walks the
same HTML with the same rules so that authors can be told what was taken out
(nh3 itself removes things silently).
"""

import re
from collections import Counter
from html.parser import HTMLParser

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

ALLOWED_TAGS = HEADINGS | {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img", "code", "pre", "span", "div", "section", "figure", "figcaption",
}

# Elements whose text means nothing to a reader (or is code), so it goes with the tag.
CONTENT_DROPPED_TAGS = {
    "script", "style", "iframe", "object", "noscript", "template", "textarea", "select",
    "title", "applet", "noembed", "noframes",
}
VOID_TAGS = {"area", "base", "col", "embed", "input", "link", "meta", "param", "source", "track", "wbr"}

# `id` and `class` are allowed everywhere here but rewritten or narrowed by the
# attribute filter: ids get a prefix, classes are kept only from SAFE_CLASSES.
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}

SAFE_CLASSES = {
    # markup of mdit_py_plugins.footnote
    "footnotes-sep", "footnotes", "footnotes-list", "footnote-item", "footnote-ref",
    "footnote-backref",
    # table column alignment, rewritten from markdown-it's inline styles
    "align-left", "align-center", "align-right",
}
CODE_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")

ATTACHMENT_SRC = re.compile(r"/attachments/[0-9a-f]{64}")
DATA_IMAGE_SRC = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+")
MAX_DATA_URI_LENGTH = 256 * 1024
NUMBER_ATTRIBUTES = {"width": 5, "height": 5, "colspan": 3, "rowspan": 3}
MAX_ID_LENGTH = 100


def href_is_allowed(href: str) -> bool:
    """Only links inside the document survive: a body is printed, not browsed."""
    return len(href) > 1 and href.startswith("#") and _is_id_like(href[1:])


def img_src_is_allowed(src: str) -> bool:
    """Huibian's own attachments, or a small inline PNG/JPEG/GIF."""
    if ATTACHMENT_SRC.fullmatch(src):
        return True
    return len(src) < MAX_DATA_URI_LENGTH and DATA_IMAGE_SRC.fullmatch(src) is not None


def id_is_allowed(value: str) -> bool:
    """A usable id: non-empty, no spaces, not absurdly long (a prefix is added later)."""
    return _is_id_like(value)


def number_is_allowed(attribute: str, value: str) -> bool:
    """width, height, colspan and rowspan: plain digits of a sensible length."""
    return value.isascii() and value.isdigit() and len(value) <= NUMBER_ATTRIBUTES[attribute]


def safe_classes(tag: str, value: str) -> list[str]:
    """The class names in `value` that may stay on `tag`."""
    return [name for name in value.split() if _class_is_allowed(tag, name)]


def _class_is_allowed(tag: str, name: str) -> bool:
    if name in SAFE_CLASSES:
        return True
    return tag == "code" and CODE_LANGUAGE_CLASS.fullmatch(name) is not None


def _is_id_like(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and not any(c.isspace() for c in value)


def find_removals(html: str) -> list[str]:
    """Describe, in short English, everything the allow-list will remove from `html`.

    Descriptions keep the order of first appearance; repeats are counted
    ("style attribute (3 times)").
    """
    finder = _RemovalFinder()
    finder.feed(html)
    finder.close()
    return [
        description if count == 1 else f"{description} ({count} times)"
        for description, count in finder.removals.items()
    ]


class _RemovalFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removals: Counter[str] = Counter()
        self._dropped_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropped_depth:
            # nh3 drops the whole subtree; nested things are not worth naming.
            self._dropped_depth += tag in CONTENT_DROPPED_TAGS
            return
        if tag in CONTENT_DROPPED_TAGS:
            self._dropped_depth = 1
            self._note(_describe_tag(tag, attrs))
        elif tag not in ALLOWED_TAGS:
            self._note(_describe_tag(tag, attrs))
        elif tag == "img":
            self._check_image(attrs)
        else:
            self._check_attributes(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in CONTENT_DROPPED_TAGS and self._dropped_depth:
            self._dropped_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if self._dropped_depth and tag in CONTENT_DROPPED_TAGS:
            self._dropped_depth -= 1

    def handle_comment(self, data: str) -> None:
        if not self._dropped_depth:
            self._note("HTML comment")

    def _check_image(self, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src")
        if not src:
            self._note("image without a source")
        elif not img_src_is_allowed(src):
            self._note(describe_rejected_image(src))
        else:
            self._check_attributes("img", [(k, v) for k, v in attrs if k != "src"])

    def _check_attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._note(f"event handler attribute {name}")
            elif name == "style":
                self._note("style attribute")
            elif name not in allowed:
                self._note(f"{name} attribute")
            elif name == "href" and not href_is_allowed(value):
                self._note(f"link to {_shorten(value) or 'nowhere'} (text kept)")
            elif name == "id" and not id_is_allowed(value):
                self._note("invalid id attribute")
            elif name == "class":
                for removed in sorted(set(value.split()) - set(safe_classes(tag, value))):
                    self._note(f"class {_shorten(removed)}")
            elif name in NUMBER_ATTRIBUTES and not number_is_allowed(name, value):
                self._note(f"{name} attribute that is not a number")

    def _note(self, description: str) -> None:
        self.removals[description] += 1


def describe_rejected_image(src: str) -> str:
    """How an image whose source broke the rules is named in the list of removals."""
    lowered = src.strip().lower()
    if lowered.startswith(("http:", "https:", "//")):
        return f"external image {_shorten(src)}"
    if lowered.startswith("file:"):
        return f"local file image {_shorten(src)}"
    if lowered.startswith("data:"):
        if DATA_IMAGE_SRC.fullmatch(src):
            return "inline image larger than 256 KiB"
        return f"inline image of an unsupported kind ({_shorten(src.split(',')[0], 40)})"
    return f"image {_shorten(src)}"


def _describe_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    if tag == "link" and "stylesheet" in (dict(attrs).get("rel") or "").lower():
        return "stylesheet link"
    if tag in CONTENT_DROPPED_TAGS or tag in VOID_TAGS:
        return f"{tag} element"
    return f"{tag} tag (content kept)"


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
