"""mammoth's conversion warnings, reworded for the people who wrote the document."""

import re

_REWORDINGS = (
    (re.compile(r"Unrecognised paragraph style: (.*) \(Style ID: .*\)"),
     "Paragraphs in the style '{0}' were imported as ordinary paragraphs."),
    (re.compile(r"Unrecognised run style: (.*) \(Style ID: .*\)"),
     "Text in the style '{0}' was imported as ordinary text."),
    (re.compile(r"Unrecognised table style: (.*) \(Style ID: .*\)"),
     "Tables in the style '{0}' were imported as plain tables."),
    (re.compile(r"(\w+) style with ID (.*) was referenced but not defined in the document"),
     "The document refers to a missing {0} style ({1}); that text was imported without it."),
    (re.compile(r"Image of type (.*) is unlikely to display in web browsers"),
     "An image of type {0} was left out: only PNG, JPEG and GIF images are kept."),
    (re.compile(r"Could not find image file for a:blip element|"
                r"A v:imagedata element without a relationship ID was ignored"),
     "An image could not be found in the document and was left out."),
    (re.compile(r"An unrecognised element was ignored: (.*)"),
     "Some content of a kind that cannot be imported ({0}) was left out."),
    (re.compile(r"A w:sym element with an unsupported character was ignored: .*"),
     "A symbol from a special font could not be imported and was left out."),
    (re.compile(r"Did not understand this style mapping, so ignored it: (.*)"),
     "The document's own style mapping '{0}' was not understood and was ignored."),
    (re.compile(r"unexpected non-(row|cell) element in table.*"),
     "A table has an unusual structure; check its merged cells."),
    (re.compile(r"Unsupported break type: (.*)"),
     "A break of type '{0}' was ignored."),
)


def plain_message(message: str) -> str:
    """mammoth's warning in plain words; unknown warnings are passed on unchanged."""
    for pattern, rewording in _REWORDINGS:
        match = pattern.fullmatch(message.strip())
        if match:
            return rewording.format(*match.groups())
    return message
