"""Reading a tagged book back with pypdf: its structure tree, as a screen reader walks it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import IndirectObject

_MCID = re.compile(rb"/MCID (\d+)")


@dataclass
class Element:
    kind: str           # "/H1", "/P", "/Figure"…
    lang: str | None    # its own /Lang or the nearest ancestor's
    page: int | None    # index of its /Pg
    alt: str | None
    annotations: list = field(default_factory=list)   # object numbers of its /OBJR annotations


@dataclass
class TaggedBook:
    reader: PdfReader
    elements: list[Element]     # depth first, in reading order
    problems: list[str]         # whatever breaks the tree's promises


def read_tagged(path) -> TaggedBook:
    """Walk the structure tree and check what every tagged book promises: every element's
    /P is its parent; every page has /StructParents, and every marked-content id on it and
    every annotation on it resolves through the ParentTree to an element on that page;
    every table cell's /Headers names a header of the IDTree, each id once."""
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"]
    page_number = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    elements, problems = [], []
    by_object: dict[int, Element] = {}
    id_names = [str(name) for name in tree["/IDTree"]["/Names"][::2]] if "/IDTree" in tree else []
    if len(set(id_names)) != len(id_names):
        problems.append("two elements have the same /ID")

    def walk(reference, parent_ref, lang):
        element = reference.get_object()
        if element.raw_get("/P") != parent_ref:
            problems.append(f"{element['/S']} does not name its parent")
        lang = str(element["/Lang"]) if "/Lang" in element else lang
        page = element.raw_get("/Pg") if "/Pg" in element else None
        found = Element(kind=str(element["/S"]), lang=lang,
                        page=page_number.get(page.idnum) if page is not None else None,
                        alt=str(element["/Alt"]) if "/Alt" in element else None)
        elements.append(found)
        by_object[reference.idnum] = found
        attributes = element.get("/A")
        for name in (attributes.get_object().get("/Headers", ()) if isinstance(attributes, dict) else ()):
            if str(name) not in id_names:
                problems.append(f"a cell names header {name}, which the IDTree does not hold")
        for kid in element.get("/K", ()):
            if isinstance(kid, IndirectObject):
                child = kid.get_object()
                if child.get("/Type") == "/OBJR":
                    found.annotations.append(child.raw_get("/Obj").idnum)
                else:
                    walk(kid, reference, lang)

    for kid in tree["/K"]:
        walk(kid, tree.indirect_reference, None)
    parent_tree = dict(_number_tree(tree["/ParentTree"].get_object()))
    for index, page in enumerate(reader.pages):
        if "/StructParents" not in page:
            problems.append(f"page {index} has no /StructParents")
            continue
        mapped = parent_tree.get(page["/StructParents"])
        mapped = mapped.get_object() if mapped is not None else None
        contents = page.get_contents()
        for mcid in map(int, _MCID.findall(contents.get_data() if contents is not None else b"")):
            if mapped is None or mcid >= len(mapped):
                problems.append(f"page {index}: MCID {mcid} is not in the ParentTree")
                continue
            target = by_object.get(mapped[mcid].idnum)
            if target is None or target.page != index:
                problems.append(f"page {index}: MCID {mcid} maps to an element not in the tree on that page")
        for annotation in page.get("/Annots", ()):
            number = annotation.get_object().get("/StructParent")
            target = by_object.get(parent_tree[number].idnum) if number in parent_tree else None
            if target is None or annotation.idnum not in target.annotations:
                problems.append(f"page {index}: an annotation has no element holding it")
    return TaggedBook(reader=reader, elements=elements, problems=problems)


def _number_tree(node):
    if "/Nums" in node:
        nums = node["/Nums"]
        for k in range(0, len(nums), 2):
            yield int(nums[k]), nums[k + 1]
    for kid in node.get("/Kids", ()):
        yield from _number_tree(kid.get_object())


def xmp_text(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
