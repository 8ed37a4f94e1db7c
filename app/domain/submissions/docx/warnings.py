"""mammoth's English warnings as notes: a code with arguments from the document, no language yet.

Flask-free, so that the converter's child can use it; ``messages`` describes
the notes in the author's language.
"""
import re

Note = tuple[str, tuple[str, ...]]

_WARNINGS = (
    # A style used but not defined has no name; mammoth warns twice about it.
    (re.compile(r"Unrecognised \w+ style: None \(Style ID: (.*)\)", re.S), "missing-style"),
    (re.compile(r"Unrecognised paragraph style: (.*) \(Style ID: .*\)", re.S), "paragraph-style"),
    (re.compile(r"Unrecognised run style: (.*) \(Style ID: .*\)", re.S), "run-style"),
    (re.compile(r"Unrecognised table style: (.*) \(Style ID: .*\)", re.S), "table-style"),
    (re.compile(r"\w+ style with ID (.*) was referenced but not defined in the document", re.S), "missing-style"),
    (re.compile(r"Image of type (.*) is unlikely to display in web browsers", re.S), "image-type"),
    (re.compile(r"Could not find image file for a:blip element|"
                r"A v:imagedata element without a relationship ID was ignored", re.S), "image-missing"),
    (re.compile(r"could not (?:open|find) external image.*", re.S), "linked-images"),
    # mammoth names elements of namespaces it does not know as {uri}name.
    (re.compile(r"An unrecognised element was ignored: (?:m:|\{[^}]*/math\})oMath(?:Para)?", re.S), "equations"),
    (re.compile(r"A w:sym element with an unsupported character was ignored: .*", re.S), "symbol"),
    (re.compile(r"Did not understand this style mapping, so ignored it: .*", re.S), "style-map"),
    (re.compile(r"unexpected non-(?:row|cell) element in table.*", re.S), "table-structure"),
    (re.compile(r"Unsupported break type: .*", re.S), "break"),
)


def note_for_warning(warning: str) -> Note:
    """The note for one of mammoth's warnings; a warning not known here is "unknown-content"."""
    for pattern, code in _WARNINGS:
        match = pattern.fullmatch(warning.strip())
        if match:
            return code, tuple(match.groups())
    return "unknown-content", ()
