"""One structure tree for a tagged book sewn from parts (PDF/UA-1, PDF/A-3u).

Each part (the frame's front matter, every body item, the frame's back
matter) was typeset alone, tagged, with its own structure tree: a /Document
element whose kids are the part's elements page by page, and a /ParentTree
that maps each page's marked content (``/StructParents``) and each link
annotation (``/StructParent``) to its element. The book gets one tree: its
/Document holds every part's elements in reading order, each part's top
elements carrying the part's /Lang (a Chinese or an English piece), and one
ParentTree numbered afresh page by page. Elements are copied with pypdf's
clone, which maps a part's page to the book's copy of it, so /Pg, /OBJR and
/Obj point into the book without any lookup here.

Links the assembly adds (the contents and the index point at pieces in other
parts) get the /Link element WeasyPrint made for their text, which had no
annotation because the target was not in the part.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .tagging import FALLBACK_ALT, HeadingLevels

_P = NameObject("/P")
_K = NameObject("/K")


@dataclass
class TaggedPart:
    """Pages of one part in the book: ``pages`` maps the part's page index to the book's."""

    reader: PdfReader
    pages: dict[int, int]
    lang: str


@dataclass
class BookStructure:
    """The book's tree while it is being built."""

    root: DictionaryObject
    document: DictionaryObject
    document_ref: IndirectObject
    nums: list = field(default_factory=list)    # ParentTree values, numbered by position
    #: book page (object number) -> /Link elements without an annotation, in reading order
    open_links: dict[int, list] = field(default_factory=dict)
    ids: dict[str, IndirectObject] = field(default_factory=dict)
    headings: HeadingLevels = field(default_factory=HeadingLevels)


def merge_structure(writer: PdfWriter, parts: list[TaggedPart], lang: str) -> BookStructure:
    """Copy every part's structure tree into ``writer`` (whose pages the parts' pages already
    are) as one tree, and give every page and annotation its new number."""
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
                                 _P: root_ref, _K: ArrayObject(), NameObject("/Lang"): TextStringObject(lang)})
    book = BookStructure(root=root, document=document, document_ref=writer._add_object(document))
    root[_K] = ArrayObject([book.document_ref])
    prefixes: dict[int, str] = {}
    for part in parts:
        # table headers' /IDs are unique within a part only (WeasyPrint makes them of object numbers)
        _merge_part(writer, book, part, prefixes.setdefault(id(part.reader), f"{len(prefixes)}-"))
    for page in writer.pages:   # the blank versos between pieces: nothing marked, but numbered too
        if "/StructParents" not in page:
            page[NameObject("/StructParents")] = NumberObject(len(book.nums))
            book.nums.append(ArrayObject())
        page[NameObject("/Tabs")] = NameObject("/S")
    return book


def _merge_part(writer: PdfWriter, book: BookStructure, part: TaggedPart, prefix: str) -> None:
    tree = part.reader.trailer["/Root"].get("/StructTreeRoot")
    if tree is None:
        return
    tree = tree.get_object()
    source_document = tree["/K"][0].get_object()
    page_of = {page.indirect_reference.idnum: i for i, page in enumerate(part.reader.pages)}
    for kid in source_document["/K"]:
        element = kid.get_object()
        if page_of.get(element.raw_get("/Pg").idnum) not in part.pages:
            continue   # the frame's other half
        clone = kid.clone(writer, ignore_fields=("/P",))   # parents are set below, to the book's
        top = clone.get_object()
        top[_P] = book.document_ref
        top[NameObject("/Lang")] = TextStringObject(part.lang)
        book.document[_K].append(clone)
        _adopt(book, clone, part.lang, prefix)
    parent_tree = dict(_number_tree(tree["/ParentTree"].get_object()))
    for source_index, book_index in sorted(part.pages.items()):
        page = writer.pages[book_index]
        number = part.reader.pages[source_index].get("/StructParents")
        page[NameObject("/StructParents")] = NumberObject(len(book.nums))
        book.nums.append(ArrayObject() if number is None
                         else parent_tree[number].clone(writer, ignore_fields=("/P",)))
        for annotation in page.get("/Annots", ()):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                value = parent_tree[annotation["/StructParent"]].clone(writer, ignore_fields=("/P",))
                annotation[NameObject("/StructParent")] = NumberObject(len(book.nums))
                book.nums.append(value)


def _adopt(book: BookStructure, top_ref: IndirectObject, lang: str, prefix: str) -> None:
    """Point every element under ``top_ref`` at its parent; note its /ID (made unique in the
    book with the part's ``prefix``, and so the /Headers that name it), the figures without
    alt text and the links still without an annotation; renumber headings that skip a level
    (``tagging.HeadingLevels``). Depth first, so in reading order across the parts."""
    stack = [top_ref]
    while stack:
        reference = stack.pop()
        element = reference.get_object()
        has_annotation = False
        children = []
        for kid in element.get("/K", ()):
            if not isinstance(kid, IndirectObject):
                continue
            child = kid.get_object()
            if child.get("/Type") == "/OBJR":
                has_annotation = True
                continue
            child[_P] = reference
            children.append(kid)
        stack.extend(reversed(children))
        kind = element.get("/S")
        relabelled = book.headings.relabel(str(kind))
        if relabelled != kind:
            element[NameObject("/S")] = NameObject(relabelled)
        if kind == "/Figure" and "/Alt" not in element:
            element[NameObject("/Alt")] = TextStringObject(FALLBACK_ALT.get(lang, FALLBACK_ALT["en"]))
        elif kind == "/Link" and not has_annotation:
            book.open_links.setdefault(element.raw_get("/Pg").idnum, []).append(reference)
        if "/ID" in element:
            element[NameObject("/ID")] = TextStringObject(prefix + str(element["/ID"]))
            book.ids[str(element["/ID"])] = reference
        attributes = element.get("/A")
        if attributes is not None and "/Headers" in attributes.get_object():
            attributes = attributes.get_object()
            attributes[NameObject("/Headers")] = ArrayObject(
                TextStringObject(prefix + str(name)) for name in attributes["/Headers"])


def tag_link(writer: PdfWriter, book: BookStructure, page_index: int, annotation: DictionaryObject,
             target: str) -> None:
    """Give a link the assembly added its place in the tree: the next /Link element of its
    page still without one (the text WeasyPrint tagged), or else a /Link of its own."""
    page_ref = writer.pages[page_index].indirect_reference
    reference = annotation.indirect_reference
    waiting = book.open_links.get(page_ref.idnum)
    objr = DictionaryObject({NameObject("/Type"): NameObject("/OBJR"), NameObject("/Obj"): reference,
                             NameObject("/Pg"): page_ref})
    if waiting:
        element_ref = waiting.pop(0)
        element_ref.get_object()[_K].append(writer._add_object(objr))
    else:
        element = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Link"),
                                    _P: book.document_ref, NameObject("/Pg"): page_ref,
                                    _K: ArrayObject([writer._add_object(objr)])})
        element_ref = writer._add_object(element)
        book.document[_K].append(element_ref)
    annotation[NameObject("/StructParent")] = NumberObject(len(book.nums))
    annotation[NameObject("/Contents")] = TextStringObject(target)
    book.nums.append(element_ref)


def finish_structure(writer: PdfWriter, book: BookStructure) -> None:
    """Write the ParentTree (and the IDTree of table headers) and hang the tree on the catalog."""
    nums = ArrayObject()
    for number, value in enumerate(book.nums):
        nums.extend([NumberObject(number), value])
    book.root[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    book.root[NameObject("/ParentTreeNextKey")] = NumberObject(len(book.nums))
    if book.ids:
        names = ArrayObject()
        for name in sorted(book.ids):
            names.extend([TextStringObject(name), book.ids[name]])
        book.root[NameObject("/IDTree")] = writer._add_object(DictionaryObject({NameObject("/Names"): names}))
    root = writer._root_object
    root[NameObject("/StructTreeRoot")] = book.root.indirect_reference
    root[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    root[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})


def _number_tree(node):
    """(number, value) of a number tree, leaves in order."""
    if "/Nums" in node:
        nums = node["/Nums"]
        for k in range(0, len(nums), 2):
            yield int(nums[k]), nums[k + 1]
    for kid in node.get("/Kids", ()):
        yield from _number_tree(kid.get_object())
