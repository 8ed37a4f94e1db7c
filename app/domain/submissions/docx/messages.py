"""What the author is told about an import, in their own language.

The conversion's child process has no request and so no language: it
reports notes, a code with arguments taken from the document itself, and
the parent describes them with gettext. mammoth's English warnings become
notes here and are never shown: they may quote XML names, library wording,
or a path on the author's computer (a linked picture's, for instance).
"""

from flask_babel import gettext as _

from app.domain.submissions.docx.warnings import Note


def image_type_name(content_type: str) -> str:
    """"image/x-emf" as "EMF": what an author knows a picture format by."""
    return content_type.rpartition("/")[2].removeprefix("x-").upper() or "?"


def describe(note: Note) -> str:
    """The note as a sentence for the author: what happened and what to do about it."""
    code, arguments = note
    describe_code = _DESCRIPTIONS.get(code, _DESCRIPTIONS["unknown-content"])
    return describe_code(*arguments)


def describe_all(notes: list[Note]) -> list[str]:
    """Each note described once, in order."""
    return list(dict.fromkeys(describe(note) for note in notes))


_DESCRIPTIONS = {
    "paragraph-style": lambda name: _(
        "Paragraphs in the style '%(style)s' were imported as ordinary paragraphs.", style=name),
    "run-style": lambda name: _("Text in the style '%(style)s' was imported as ordinary text.", style=name),
    "table-style": lambda name: _("Tables in the style '%(style)s' were imported as plain tables.", style=name),
    "missing-style": lambda style_id: _(
        "The document refers to a style it does not define (%(style)s); that text was imported without it.",
        style=style_id),
    "image-type": lambda kind: _(
        "A picture in %(kind)s format was left out: only PNG, JPEG and GIF pictures are kept. "
        "Save it as PNG or JPEG, insert it again and import the document again.", kind=image_type_name(kind)),
    "image-fake": lambda kind: _(
        "A picture that claims to be %(kind)s but is not was left out.", kind=image_type_name(kind)),
    "image-missing": lambda: _("A picture could not be found in the document and was left out."),
    "symbol": lambda: _("A symbol from a special font could not be imported and was left out."),
    "style-map": lambda: _("The document's own style settings for the import were not understood and "
                           "were ignored."),
    "table-structure": lambda: _("A table has an unusual structure; check its merged cells."),
    "break": lambda: _("A break of an unusual kind was ignored."),
    "charts": lambda: _(
        "Charts were left out: they cannot be imported. In Word or WPS, copy each chart, paste it "
        "as a picture (Paste Special › Picture), then import the document again."),
    "diagrams": lambda: _(
        "SmartArt diagrams were left out: they cannot be imported. In Word or WPS, save each "
        "diagram as a picture and insert the picture in its place, then import the document again."),
    "drawings": lambda: _(
        "Drawn shapes were left out: they cannot be imported. Replace each drawing by a picture "
        "(PNG or JPEG), then import the document again."),
    "equations": lambda: _(
        "Equations were left out: they cannot be imported. Write them as ordinary text, or insert "
        "them as pictures, then import the document again."),
    "text-boxes": lambda: _(
        "The text of text boxes was imported as ordinary paragraphs where each box is anchored; "
        "the boxes themselves were not kept. Check where that text landed."),
    "text-boxes-lost": lambda: _(
        "Text boxes were left out with their text: they cannot be imported. Move their text into the "
        "document's ordinary paragraphs, then import it again."),
    "objects": lambda: _(
        "Embedded objects (a worksheet or an old-style equation, for example) were left out, or only "
        "their preview picture was kept. Insert their content as a table or a picture instead."),
    "linked-images": lambda: _(
        "Linked pictures were left out: they are stored outside the document, on the author's "
        "computer or the web. In Word, insert the pictures into the document itself (not as links) "
        "and import it again."),
    "comments": lambda: _(
        "Comments were left out; only the document's text was imported."),
    "tracked-changes": lambda: _(
        "The document has tracked changes. They were imported as accepted: insertions kept, "
        "deletions removed. If some changes should not stand, reject them in Word or WPS and "
        "import the document again."),
    "unknown-content": lambda: _(
        "Some content of a kind that cannot be imported was left out. Compare the body with the "
        "document before you submit."),
}
