"""What a .docx holds that the import cannot bring into a body, found in its XML parts.

mammoth passes over charts, SmartArt, drawn shapes, equations and comments
without a warning, so the parts are read here and each kind is named once.
Runs in the conversion's child process, under its memory limit.
"""
from __future__ import annotations

import re
import zipfile
from xml.etree.ElementTree import iterparse

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_V = "{urn:schemas-microsoft-com:vml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# The kind of thing an a:graphicData holds, by its uri.
_GRAPHICS = {
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "charts",
    "http://schemas.microsoft.com/office/drawing/2014/chartex": "charts",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": "diagrams",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup": "drawings",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas": "drawings",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingInk": "drawings",
}
_SHAPE = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_VML_SHAPES = {f"{_V}{name}" for name in
               ("shape", "rect", "roundrect", "oval", "line", "polyline", "arc", "curve", "group")}
_TRACKED = {f"{_W}{name}" for name in ("ins", "del", "moveFrom", "moveTo")}
_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_EXTERNAL_IMAGE = re.compile(rb'Type="[^"]*/image"[^>]*TargetMode="External"|'
                             rb'TargetMode="External"[^>]*Type="[^"]*/image"')

# The order in which the author is told about them.
KINDS = ("charts", "diagrams", "drawings", "equations", "text-boxes", "text-boxes-lost", "objects",
         "linked-images", "comments", "tracked-changes")


def unsupported_content(archive: zipfile.ZipFile) -> list[str]:
    """The kinds of content (of KINDS) in the document that the import leaves out or changes."""
    names = set(archive.namelist())
    found: set[str] = set()
    for part in _PARTS:
        if part in names:
            with archive.open(part) as stream:
                found |= _kinds_in(stream)
    for rels in ("word/_rels/document.xml.rels", "word/_rels/footnotes.xml.rels", "word/_rels/endnotes.xml.rels"):
        if rels in names and _EXTERNAL_IMAGE.search(archive.read(rels)):
            found.add("linked-images")
    return [kind for kind in KINDS if kind in found]


def _kinds_in(stream) -> set[str]:
    found: set[str] = set()
    depth = {f"{_MC}Choice": 0, f"{_MC}Fallback": 0}
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tag in depth:
            depth[tag] += 1 if event == "start" else -1
        if event == "start":
            continue
        if tag == f"{_A}graphicData":
            uri = element.get("uri", "")
            if uri == _SHAPE:
                found.add(_shape_kind(element, in_choice=depth[f"{_MC}Choice"] > 0))
            elif uri in _GRAPHICS:
                found.add(_GRAPHICS[uri])
        elif tag in _VML_SHAPES and not depth[f"{_MC}Fallback"]:
            # Word repeats each shape as VML for old readers; the Choice already counted it.
            found |= _vml_kind(element)
        elif tag in (f"{_M}oMath", f"{_M}oMathPara"):
            found.add("equations")
        elif tag == f"{_W}object":
            found.add("objects")
        elif tag in _TRACKED:
            found.add("tracked-changes")
        elif tag == f"{_W}commentReference":
            found.add("comments")
        elif tag == f"{_A}blip" and element.get(f"{_R}link"):
            found.add("linked-images")
    return found


def _shape_kind(graphic_data, *, in_choice: bool) -> str:
    if graphic_data.find(f".//{_W}txbxContent") is None:
        return "drawings"
    # mammoth reads a text box's text only from the VML copy Word puts beside it (mc:Fallback).
    return "text-boxes" if in_choice else "text-boxes-lost"


def _vml_kind(element) -> set[str]:
    if element.find(f".//{_W}txbxContent") is not None:
        return {"text-boxes"}
    if element.find(f"{_V}imagedata") is not None:
        return set()  # a picture, which mammoth imports
    return {"drawings"}
