"""What a tagged book (PDF/UA-1, PDF/A-3u) needs beyond WeasyPrint's own tags.

WeasyPrint 70 writes a structure tree when asked (``pdf_tags``), but

* it gives no element a /Lang: a book mixes Chinese and English pieces, and a
  screen reader must switch voices at each piece (:func:`lang_of_pages`,
  :func:`set_languages` for one document; ``structure.py`` for parts);
* it tags the running heads (margin boxes) as real content that no element of
  the tree holds: they are page furniture and must be artifacts, or a reader
  would read the conference title at the top of every page
  (:func:`install_artifact_margins`, in the worker);
* a picture without alt text gets no /Alt, which PDF/UA forbids;
* every run of text is a /Span element of its own, which says nothing its
  paragraph does not, and more than half the objects of a tagged book (a book
  assembled from parts is written by pypdf, without object streams, so each
  costs some 100 bytes): its marked content goes to the paragraph itself
  (:func:`set_languages`);
* the index's task headings are ``<h3>`` right under its ``<h1>`` (the plain
  book's outline hangs on those levels), and PDF/UA forbids a heading that
  skips a level: the tree says them one level deeper than their parent
  heading (:class:`HeadingLevels`);
* its XMP packet has no /Producer and no dates to match the document
  information the book writes over WeasyPrint's (:func:`xmp_packet`), which
  PDF/A requires to agree.

Nothing here imports WeasyPrint at module level (see ``typeset.py``).
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

#: Variants whose book is tagged (book.PDF_VARIANTS); "" is a plain PDF.
TAGGED_VARIANTS = ("pdf/ua-1", "pdf/a-3u")
#: Said of a picture that has no alt text of its own, in the piece's language.
FALLBACK_ALT = {"zh-CN": "图片", "en": "Picture"}


def is_tagged(variant: str) -> bool:
    return variant in TAGGED_VARIANTS


def is_archival(variant: str) -> bool:
    return variant.startswith("pdf/a-")


def install_artifact_margins() -> None:
    """Draw margin boxes (running heads, folios) as /Artifact sequences and keep them out of
    the structure tree. Changes nothing when a document is written without tags."""
    from weasyprint import draw
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    if getattr(draw, "_huibian_artifact_margins", False):
        return
    draw_context, build_tree = draw.draw_stacking_context, tags._build_box_tree

    def draw_stacking_context(stream, stacking_context):
        if not (isinstance(stacking_context.box, boxes.MarginBox) and stream._tags is not None):
            return draw_context(stream, stacking_context)
        marked = stream._tags
        with stream.artifact():   # begun while tags are on, so it is written
            stream._tags = None   # no MCID inside an artifact
            try:
                draw_context(stream, stacking_context)
            finally:
                stream._tags = marked

    def build_box_tree(box, *args):
        if isinstance(box, boxes.MarginBox):
            return iter(())
        return build_tree(box, *args)

    draw.draw_stacking_context = draw_stacking_context
    tags._build_box_tree = build_box_tree
    draw._huibian_artifact_margins = True


class HeadingLevels:
    """Renumbers headings in reading order so that none skips a level: a heading is one
    level below the nearest earlier heading of a higher source level (H1 when there is none)."""

    _HEADING = re.compile(r"/H([1-6])")

    def __init__(self):
        self._open: list[tuple[int, int]] = []   # (source level, tree level), outermost first

    def relabel(self, kind: str) -> str:
        match = self._HEADING.fullmatch(kind)
        if match is None:
            return kind
        level = int(match[1])
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        tree_level = self._open[-1][1] + 1 if self._open else 1
        self._open.append((level, tree_level))
        return f"/H{tree_level}"


def lang_of_pages(page_count: int, anchors: dict, langs, default: str) -> list[str]:
    """The language of every page: ``langs`` is [(anchor, lang), ...] in book order, each
    reaching from its anchor's page to the next one's; pages before the first, ``default``."""
    found = [default] * page_count
    starts = sorted((anchors[name][0], k, lang) for k, (name, lang) in enumerate(langs) if name in anchors)
    for k, (start, _order, lang) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else page_count
        found[start:end] = [lang] * (end - start)
    return found


def set_languages(pdf, page_langs: list[str], whole_book: bool = True) -> None:
    """In a pydyf PDF WeasyPrint tagged: /Lang on every top element of the structure tree
    (its descendants inherit it), /Alt on every /Figure that lacks one, and, in a
    ``whole_book`` (not a part of one, whose headings are renumbered at assembly),
    headings that do not skip a level."""
    import pydyf

    def resolve(reference):
        return pdf.objects[int(reference.split()[0])]

    root = resolve(pdf.catalog["StructTreeRoot"])
    document = resolve(root["K"][0])
    page_index = {reference: i for i, reference in enumerate(pdf.page_references)}
    headings = HeadingLevels()
    taken_in: dict[bytes, bytes] = {}   # a plain /Span -> the element that took its content
    for reference in document["K"]:
        element = resolve(reference)
        lang = page_langs[page_index[element["Pg"]]]
        element["Lang"] = pydyf.String(lang)
        for current in _in_reading_order(element, resolve):
            _take_plain_spans(current, resolve, taken_in)
            kind = current.get("S")
            if kind == "/Figure" and "Alt" not in current:
                current["Alt"] = pydyf.String(FALLBACK_ALT.get(lang, FALLBACK_ALT["en"]))
            elif kind is not None and whole_book:
                current["S"] = headings.relabel(kind)
    ids = sorted((e["ID"].string, e.reference) for e in pdf.objects
                 if isinstance(e, dict) and e.get("Type") == "/StructElem" and "ID" in e)
    if ids:   # the table headers /Headers name: a document with element ids has an IDTree
        names = pydyf.Dictionary({"Names": pydyf.Array(x for name, ref in ids for x in (pydyf.String(name), ref))})
        pdf.add_object(names)
        root["IDTree"] = names.reference
    if taken_in:
        nums = resolve(root["ParentTree"])["Nums"]
        for k in range(1, len(nums), 2):
            if isinstance(nums[k], list):   # a page's marked content, by MCID
                nums[k] = pydyf.Array(taken_in.get(ref, ref) for ref in nums[k])


#: What a /Span that only holds marked content has: nothing of its own to say.
_PLAIN_SPAN = {"Type", "S", "K", "Pg", "P"}


def _take_plain_spans(element, resolve, taken_in) -> None:
    """Give ``element`` the marked content of its kids that are plain /Spans, which are then
    not written at all."""
    kids = element.get("K")
    if not kids or not any(isinstance(kid, (str, bytes)) for kid in kids):
        return
    merged = type(kids)()
    for kid in kids:
        child = resolve(kid) if isinstance(kid, (str, bytes)) else None
        if (child is not None and child.get("S") == "/Span" and set(child) <= _PLAIN_SPAN
                and child["K"] and all(isinstance(mcid, int) for mcid in child["K"])
                and child["Pg"] == element.get("Pg")):
            merged.extend(child["K"])
            taken_in[kid] = element.reference
            child.free = "f"
        else:
            merged.append(kid)
    element["K"] = merged


def _in_reading_order(element, resolve):
    """The element and its descendant elements, depth first (OBJR dictionaries left out)."""
    stack = [element]
    while stack:
        current = stack.pop()
        if current.get("Type") != "/StructElem":
            continue
        yield current
        stack.extend(reversed([resolve(kid) for kid in current.get("K", ()) if isinstance(kid, (str, bytes))]))


def pdf_date_to_xmp(date: str) -> str:
    """``D:20241201000000Z`` as XMP writes it: ``2024-12-01T00:00:00Z``."""
    d = date.removeprefix("D:")
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"


def xmp_packet(info: dict, variant: str) -> bytes:
    """The book's XMP metadata: the document information ``info`` (``render.pdf_metadata``)
    said again as PDF/A requires, and the variant's claim (pdfuaid or pdfaid)."""
    def text(value):
        return escape(str(value))

    claims = {"pdf/ua-1": '<pdfuaid:part>1</pdfuaid:part>',
              "pdf/a-3u": '<pdfaid:part>3</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance>'}[variant]
    body = (
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
        + claims
        + '<dc:format>application/pdf</dc:format>'
        + f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text(info["/Title"])}</rdf:li></rdf:Alt></dc:title>'
        + f'<dc:creator><rdf:Seq><rdf:li>{text(info["/Author"])}</rdf:li></rdf:Seq></dc:creator>'
        + (f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text(info["/Subject"])}</rdf:li>'
           '</rdf:Alt></dc:description>')
        + f'<pdf:Keywords>{text(info.get("/Keywords", ""))}</pdf:Keywords>'
        + f'<pdf:Producer>{text(info["/Producer"])}</pdf:Producer>'
        + f'<xmp:CreatorTool>{text(info["/Creator"])}</xmp:CreatorTool>'
        + f'<xmp:CreateDate>{pdf_date_to_xmp(info["/CreationDate"])}</xmp:CreateDate>'
        + f'<xmp:ModifyDate>{pdf_date_to_xmp(info["/ModDate"])}</xmp:ModifyDate>'
        + f'<xmp:MetadataDate>{pdf_date_to_xmp(info["/ModDate"])}</xmp:MetadataDate>'
        + '</rdf:Description>')
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            + body + '</rdf:RDF></x:xmpmeta>\n<?xpacket end="r"?>').encode("utf-8")
