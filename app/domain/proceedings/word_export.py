"""The same book in Word: a proceedings edition as a ``.docx`` an office keeps editing.

Built from the :class:`BookSpec` the PDF is built from, so both hold the same
pieces in the same order. Offices print compilations from Word or WPS, so the
file uses what they expect: SimSun/SimHei/KaiTi font names (set as East Asian
fonts, ``w:rFonts/@w:eastAsia``, which python-docx does not expose), a real
contents field, one section per piece opening on a right-hand page, real
footnotes called ①②, "— n —" folios. Output is byte-identical for identical
input: zip timestamps and document dates are fixed by the caller.

No Flask here; the caller reads the edition from the database.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from app.domain.proceedings.docx_body import BODY_SIZE, HEI, KAI, SONG, BodyWriter, indent_chars, set_fonts, styled_run
from app.domain.proceedings.typesetting.book import BookPiece, BookSpec

FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# Styles the pieces use, with (East Asian face, size, bold).
STYLE_FACES = {
    "Normal": (SONG, BODY_SIZE, False),
    "Heading 1": (HEI, Pt(22), False),    # section dividers
    "Heading 2": (SONG, Pt(18), True),    # piece titles: heavy Song
    "Heading 3": (HEI, BODY_SIZE, False),  # body h2 "一、"
    "Heading 4": (KAI, BODY_SIZE, False),  # body h3 "（一）"
    "Heading 5": (SONG, BODY_SIZE, True),  # body h4 "1."
}


def build_docx(spec: BookSpec, *, created: datetime) -> bytes:
    """The edition as a Word document (bytes), dated ``created`` everywhere a date is kept."""
    document = docx.Document()
    # python-docx's template carries a picture of an empty page as the file's preview: drop it.
    package_rels = document.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        package_rels.pop(rid)
    _styles(document)
    _page(document.sections[0])
    notes = Footnotes(document)
    _cover(document, spec)
    _contents(document, spec)
    if spec.foreword_html.strip():
        document.add_section(WD_SECTION.ODD_PAGE)
        heading = document.add_paragraph(style="Heading 1")
        heading.add_run("前　言")
        BodyWriter(document, notes, {}).write(spec.foreword_html)
    if spec.programme:
        _programme(document, spec)
    first_divider = None
    for book_section in spec.sections:
        document.add_section(WD_SECTION.ODD_PAGE)
        # An index, not the Section: python-docx's Section wraps the body's last sectPr, which moves on.
        first_divider = first_divider if first_divider is not None else len(document.sections) - 1
        divider = document.add_paragraph(style="Heading 1")
        divider.paragraph_format.space_before = Pt(180)
        divider.add_run(book_section.title_zh)
        for piece in book_section.pieces:
            document.add_section(WD_SECTION.ODD_PAGE)
            _piece(document, notes, piece)
    for section in document.sections:
        _footnote_numbering(section)
    if first_divider is not None:
        # Folios count from the first divider, as in the printed book (after add_section's copies).
        _restart_folios(document.sections[first_divider])
        # Contents, foreword and programme are front matter: roman folios, i from the contents.
        for index in range(1, first_divider):
            _restart_folios(document.sections[index], start=index == 1, fmt="upperRoman")
    _footer(document)
    _settings(document)
    _font_table(document)
    _properties(document, spec, created)
    notes.finish()
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue(), created)


# --- styles and page -----------------------------------------------------------------

def _styles(document) -> None:
    for name, (face, size, bold) in STYLE_FACES.items():
        style = document.styles[name]
        set_fonts(style.element, face)
        style.font.size, style.font.bold, style.font.italic = size, bold, False
        style.font.color.rgb = RGBColor(0, 0, 0)
    normal = document.styles["Normal"].paragraph_format
    normal.line_spacing, normal.space_after = Pt(22), Pt(0)
    for name in ("Heading 1", "Heading 2"):
        fmt = document.styles[name].paragraph_format
        fmt.alignment, fmt.space_before, fmt.space_after = WD_ALIGN_PARAGRAPH.CENTER, Pt(12), Pt(12)
        fmt.line_spacing = 1.3
    for name in ("Heading 3", "Heading 4", "Heading 5"):
        fmt = document.styles[name].paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(6), Pt(0), Pt(22)
        indent_chars(document.styles[name].element.get_or_add_pPr(), 2)


def _page(section) -> None:
    # A4 with GB/T 9704 margins: 37 mm top, 28 mm left, 35 mm bottom, 26 mm right.
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)


def _restart_folios(section, *, start: bool = True, fmt: str = "decimal") -> None:
    """Folios in ``fmt``, from 1 here if ``start`` (pgNumType sits before cols, docGrid… in sectPr's order)."""
    sect_pr = section._sectPr
    numbering = parse_xml(f'<w:pgNumType {nsdecls("w")} w:fmt="{fmt}"' + (' w:start="1"/>' if start else "/>"))
    following = next((sect_pr.find(qn(f"w:{name}")) for name in ("cols", "formProt", "vAlign", "noEndnote",
                      "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid")
                      if sect_pr.find(qn(f"w:{name}")) is not None), None)
    if following is not None:
        following.addprevious(numbering)
    else:
        sect_pr.append(numbering)


def _footnote_numbering(section) -> None:
    """Notes called ①②, counted afresh in each piece; footnotePr comes after the header/footer references."""
    sect_pr = section._sectPr
    existing = sect_pr.find(qn("w:footnotePr"))
    if existing is not None:
        sect_pr.remove(existing)
    pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:numFmt w:val="decimalEnclosedCircleChinese"/>'
                   '<w:numRestart w:val="eachSect"/></w:footnotePr>')
    references = sect_pr.findall(qn("w:headerReference")) + sect_pr.findall(qn("w:footerReference"))
    if references:
        references[-1].addnext(pr)
    else:
        sect_pr.insert(0, pr)


def _footer(document) -> None:
    """"— n —" centred in every section's footer but the cover's."""
    cover, rest = document.sections[0], document.sections[1:]
    if not rest:
        return
    cover.footer.is_linked_to_previous = False
    footer = rest[0].footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled_run(paragraph, "— ", SONG, Pt(14))
    field_run(paragraph, "PAGE", "1")
    styled_run(paragraph, " —", SONG, Pt(14))
    # The cover is unnumbered; later sections are linked to the contents' footer.
    for section in rest[1:]:
        section.footer.is_linked_to_previous = True


def field_run(paragraph, instruction: str, shown: str) -> None:
    """A complete field (begin, instruction, separate, result, end) in one paragraph."""
    for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'):
        paragraph._p.append(parse_xml(xml))
    styled_run(paragraph, shown, SONG, Pt(14))
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))


# --- cover, contents, pieces -----------------------------------------------------------

def _cover(document, spec: BookSpec) -> None:
    conference = spec.conference
    for _ in range(4):
        document.add_paragraph()
    for text in (conference.title_zh, "交流材料汇编"):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styled_run(paragraph, text, SONG, Pt(26), bold=True)
    for _ in range(10):
        document.add_paragraph()
    date = spec.edition_date
    for text in (conference.organiser_zh, f"{date.year}年{date.month}月{date.day}日", spec.cover_note):
        if text:
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            styled_run(paragraph, text, KAI, Pt(16))


def _contents(document, spec: BookSpec) -> None:
    """A real TOC field (Word refreshes the page numbers) holding the entries, so it reads before that."""
    document.add_section(WD_SECTION.ODD_PAGE)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled_run(title, "目　录", HEI, Pt(18))
    entries = [("前　言", HEI, 0)] if spec.foreword_html.strip() else []
    if spec.programme:
        entries.append(("发言顺序表", HEI, 0))
    for book_section in spec.sections:
        entries.append((book_section.title_zh, HEI, 0))
        entries.extend((piece.title, SONG, 1) for piece in book_section.pieces)
    for index, (text, face, level) in enumerate(entries):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(24 * level)
        if index == 0:
            for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>',
                        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>',
                        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'):
                paragraph._p.append(parse_xml(xml))
        styled_run(paragraph, text, face, BODY_SIZE)
        if index == len(entries) - 1:
            paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))


#: The programme's columns: heading and width (the text block is 15.6 cm wide).
PROGRAMME_COLUMNS = (("序号", Cm(1.4)), ("发言单位", Cm(5.0)), ("发言人", Cm(2.8)), ("职务", Cm(3.8)),
                     ("时长（分钟）", Cm(2.6)))


def _programme(document, spec: BookSpec) -> None:
    """The programme of the oral session (发言顺序表) on a right-hand page, last in the front matter as in the PDF."""
    document.add_section(WD_SECTION.ODD_PAGE)
    document.add_paragraph(style="Heading 1").add_run("发言顺序表")
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled_run(subtitle, spec.conference.title_zh, KAI, BODY_SIZE)
    table = document.add_table(rows=1, cols=len(PROGRAMME_COLUMNS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, (heading, width) in zip(table.rows[0].cells, PROGRAMME_COLUMNS):
        cell.width = width
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        styled_run(cell.paragraphs[0], heading, HEI, Pt(10.5))
    # the heading row repeats if a long session runs over a page
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for row in spec.programme:
        values = (str(row.order), row.bureau_zh, row.speaker_name, row.speaker_post, str(row.minutes or ""))
        for index, (cell, text, (_heading, width)) in enumerate(zip(table.add_row().cells, values,
                                                                     PROGRAMME_COLUMNS)):
            cell.width = width
            if index in (0, 4):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            styled_run(cell.paragraphs[0], text, SONG, Pt(10.5))
    total = sum(row.minutes or 0 for row in spec.programme)
    summary = document.add_paragraph()
    styled_run(summary, f"共 {len(spec.programme)} 个发言" + (f"，计划用时 {total} 分钟。" if total else "。"),
               SONG, Pt(10.5))


def _piece(document, notes, piece: BookPiece) -> None:
    title = document.add_paragraph(style="Heading 2")
    title.add_run(piece.title)
    if piece.subtitle:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        subtitle = piece.subtitle if piece.subtitle.startswith("——") else "——" + piece.subtitle
        styled_run(paragraph, subtitle, KAI, Pt(14))
    byline = [piece.organisation_zh if piece.lang == "zh-CN" else piece.organisation_en]
    if piece.speaker_name:
        byline.append("　".join(part for part in (piece.speaker_post, piece.speaker_name) if part))
    for text in byline:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styled_run(paragraph, text, KAI, Pt(14))
    document.add_paragraph()
    BodyWriter(document, notes, dict(piece.attachment_paths)).write(piece.body_html)


# --- footnotes -------------------------------------------------------------------------

class Footnotes:
    """The document's footnotes part, made by hand: python-docx has no footnote API."""

    def __init__(self, document):
        self.document = document
        self.root = parse_xml(
            f'<w:footnotes {nsdecls("w", "r")}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
            'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
            'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
            '</w:footnotes>')
        self.next_id = 1

    def add(self, paragraph, fill) -> None:
        """A footnote reference run at the end of ``paragraph``; ``fill(note_paragraph)`` writes the note."""
        note_id = self.next_id
        self.next_id += 1
        run = paragraph.add_run()
        run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="{note_id}"/>'))
        run.font.superscript = True
        note = parse_xml(f'<w:footnote {nsdecls("w")} w:id="{note_id}"><w:p><w:pPr><w:spacing w:after="0"/>'
                         '</w:pPr><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
                         '</w:p></w:footnote>')
        self.root.append(note)
        from docx.text.paragraph import Paragraph
        fill(Paragraph(note[0], self.document.part))

    def finish(self) -> None:
        if self.next_id == 1:
            return
        part = XmlPart(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, self.root, self.document.part.package)
        self.document.part.relate_to(part, RT.FOOTNOTES)


# --- settings, properties, zip ---------------------------------------------------------

def _settings(document) -> None:
    """Ask Word to refresh fields (the contents) on open, and name the separator notes."""
    settings = document.settings.element
    anchor = settings.find(qn("w:compat"))
    for xml in (f'<w:updateFields {nsdecls("w")} w:val="true"/>',
                f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'):
        element = parse_xml(xml)
        if anchor is not None:
            anchor.addprevious(element)
        else:
            settings.append(element)


# The Windows names Word users expect, with the free faces a machine without them should use.
FALLBACKS = {SONG: ("宋体", "Noto Serif CJK SC", "roman"), HEI: ("黑体", "Noto Sans CJK SC", "swiss"),
             KAI: ("楷体", "LXGW WenKai", "modern")}


def _font_table(document) -> None:
    """Declare SimSun/SimHei/KaiTi as GB2312 faces whose alternates are their Chinese and Noto names."""
    part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    table = etree.fromstring(part.blob)
    for name, (chinese, free, family) in FALLBACKS.items():
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{chinese}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'))
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{free}"><w:altName w:val="{name}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'))
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _properties(document, spec: BookSpec, created: datetime) -> None:
    props = document.core_properties
    props.title = f"{spec.conference.title_zh}交流材料汇编"
    props.author = props.last_modified_by = spec.conference.organiser_zh
    props.subject, props.keywords, props.comments = spec.conference.title_en, "", ""
    props.revision = spec.edition_number
    stamp = created.replace(tzinfo=None, microsecond=0)
    props.created = props.modified = props.last_printed = stamp


def _fixed_zip(data: bytes, created: datetime) -> bytes:
    """The same archive with every entry dated ``created`` (python-docx stamps them with now)."""
    stamp = max(created.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def docx_name(pdf_name: str) -> str:
    """The cached Word file's name beside the edition's PDF."""
    return str(Path(pdf_name).with_suffix(".docx"))
