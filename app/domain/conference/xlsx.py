"""A workbook of plain sheets (a bold, frozen header row, then text, numbers and times), written as its XML.

The office's spreadsheet was written with openpyxl's write-only mode, which
builds a cell object with typed descriptors and an lxml element for every
cell, and per workbook a stylesheet and a theme from objects and two
temporary files: it cost more than the export's queries and the rest of the
request together. What it wrote is a handful of fixed parts and one list of
rows per sheet; this module writes the same parts as text, so that a cell
costs a string. The parts are openpyxl 3.1's: its stylesheet (Calibri 11,
one bold font for the header, ``yyyy-mm-dd hh:mm`` for times) and theme, and
its way with values: text as inline strings, a spreadsheet error's name
(``#N/A``) as that error, times as day numbers. ``tests/review/test_exports.py``
holds the workbook to the one openpyxl made.

Values come in made safe (:func:`app.domain.conference.cells.safe_cell`):
no text that starts a formula or that XML cannot carry.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import NamedTuple

from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.theme import theme_xml

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# The style ids of ``_STYLES``' cellXfs.
_HEADER_STYLE, _TIME_STYLE = 1, 2
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '</numFmts><fonts count="2"><font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
    '<scheme val="minor"/></font><font><b val="1"/></font></fonts><fills count="2"><fill><patternFill/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" applyFont="1" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    '</styleSheet>'
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_RELS}">'
    f'<Relationship Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
    '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_DOC_RELS}/extended-properties" Target="docProps/app.xml" Id="rId3"/></Relationships>'
)
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Huibian</Application></Properties>')
# Every sheet's head and tail: the first row frozen, openpyxl's default format and margins.
_SHEET_HEAD = (
    f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><sheetData>'
)
_SHEET_TAIL = ('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
               '</worksheet>')
# Column letters, A to ZZ: a sheet of the exports has a few dozen columns at most.
_COLUMNS = [get_column_letter(n) for n in range(1, 703)]


class Sheet(NamedTuple):
    name: str  # at most 31 characters, none of \\ / ? * : [ ]
    header: list
    rows: Iterable[list]


def workbook(sheets: list[Sheet]) -> bytes:
    """The .xlsx file of ``sheets``: each one's header in bold and frozen, then its rows.

    A value is text (str), a number (int, float), a time without a zone
    (datetime, shown to the minute) or None for no cell.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _content_types(len(sheets)))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("docProps/app.xml", _APP)
        book.writestr("docProps/core.xml", _core())
        book.writestr("xl/workbook.xml", _workbook(sheets))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        book.writestr("xl/styles.xml", _STYLES)
        book.writestr("xl/theme/theme1.xml", theme_xml)
        for n, sheet in enumerate(sheets, 1):
            book.writestr(f"xl/worksheets/sheet{n}.xml", _sheet(sheet))
    return out.getvalue()


def _sheet(sheet: Sheet) -> str:
    parts = [_SHEET_HEAD, _row(1, sheet.header, f' s="{_HEADER_STYLE}"')]
    parts.extend(_row(number, values) for number, values in enumerate(sheet.rows, 2))
    parts.append(_SHEET_TAIL)
    return "".join(parts)


def _row(number: int, values: list, style: str = "") -> str:
    r = str(number)
    cells = [f'<row r="{r}">']
    for column, value in zip(_COLUMNS, values):
        kind = type(value)
        if kind is str:
            if not value:
                cells.append(f'<c r="{column}{r}"{style} t="inlineStr"></c>')
            elif value in ERROR_CODES:
                cells.append(f'<c r="{column}{r}"{style} t="e"><v>{_escape(value)}</v></c>')
            else:
                space = ' xml:space="preserve"' if value != value.strip() else ""
                cells.append(f'<c r="{column}{r}"{style} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
        elif kind is datetime:
            cells.append(f'<c r="{column}{r}" s="{_TIME_STYLE}" t="n"><v>{to_excel(value):.16g}</v></c>')
        elif kind is int or kind is float:
            cells.append(f'<c r="{column}{r}"{style} t="n"><v>{value:.16g}</v></c>')
        elif value is not None:
            raise TypeError(f"a spreadsheet cell holds text, numbers and times, not {kind.__name__}")
    cells.append("</row>")
    return "".join(cells)


def _escape(text: str) -> str:
    # As lxml writes text: a carriage return as a reference, which a reader keeps (a bare one reads as a newline).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _workbook(sheets: list[Sheet]) -> str:
    listed = "".join(f'<sheet name="{_attribute(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
                     for n, sheet in enumerate(sheets, 1))
    return (f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><workbookPr/><bookViews><workbookView '
            f'activeTab="0"/></bookViews><sheets>{listed}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/>'
            '</workbook>')


def _workbook_rels(count: int) -> str:
    sheets = "".join(f'<Relationship Type="{_DOC_RELS}/worksheet" Target="/xl/worksheets/sheet{n}.xml" Id="rId{n}"/>'
                     for n in range(1, count + 1))
    return (f'<Relationships xmlns="{_RELS}">{sheets}'
            f'<Relationship Type="{_DOC_RELS}/styles" Target="styles.xml" Id="rId{count + 1}"/>'
            f'<Relationship Type="{_DOC_RELS}/theme" Target="theme/theme1.xml" Id="rId{count + 2}"/></Relationships>')


def _content_types(count: int) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
                     for n in range(1, count + 1))
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/theme/theme1.xml" ContentType="{office}.theme+xml"/>'
        f'{sheets}'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/></Types>'
    )


def _core() -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    terms = 'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" {terms}><dc:creator>Huibian</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'
    )
