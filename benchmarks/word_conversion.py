"""How long does converting a 20-page .doc take, and how much memory does LibreOffice use?

    .venv/bin/python benchmarks/word_conversion.py

Builds a .docx of about 20 pages from the fixtures' paragraphs and tables,
has LibreOffice save it as .doc (and as PDF, to count the pages), then
converts the .doc back the way an import does (app.domain.submissions.docx
.conversion) and imports the result with mammoth. The conversion is measured in a fresh process
so that its peak memory (the largest child's resident set) is LibreOffice's
alone. Prints seconds and MB.
"""
from __future__ import annotations

import copy
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = 20


def build_docx(repeats: int) -> bytes:
    import docx

    document = docx.Document(ROOT / "tests" / "fixtures" / "paras-and-tables.docx")
    body = document.element.body
    content = [child for child in body if not child.tag.endswith("sectPr")]
    section = body[-1]
    for _ in range(repeats - 1):
        for child in content:
            section.addprevious(copy.deepcopy(child))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def soffice_convert(source: Path, target: str, folder: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(folder), str(source)], check=True, capture_output=True)
    return folder / f"{source.stem}.{target}"


def pages_of(docx_bytes: bytes, folder: Path) -> tuple[Path, int]:
    from pypdf import PdfReader

    source = folder / "long.docx"
    source.write_bytes(docx_bytes)
    pdf = soffice_convert(source, "pdf", folder)
    return source, len(PdfReader(pdf).pages)


def measure(doc_path: str) -> None:
    """In a fresh process: convert and import the .doc, print seconds and the children's peak memory."""
    from app.domain.submissions.docx.conversion import convert_to_docx
    from app.domain.submissions.docx.importer import import_docx

    data = Path(doc_path).read_bytes()
    started = time.perf_counter()
    converted = convert_to_docx(data, "doc")
    converted_at = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = import_docx(converted, store_image=lambda content, content_type: "/attachments/" + "0" * 64)
    finished = time.perf_counter()
    print(json.dumps({"convert": converted_at - started, "import": finished - converted_at,
                      "peak_mb": peak_kib / 1024, "docx_kb": len(converted) / 1024, "html_chars": len(result.html)}))


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _, pages_per_copy = pages_of(build_docx(1), folder)
        repeats = max(1, round(PAGES / max(pages_per_copy, 1)))
        source, pages = pages_of(build_docx(repeats), folder)
        while pages < PAGES:
            repeats += 1
            source, pages = pages_of(build_docx(repeats), folder)
        doc = soffice_convert(source, "doc", folder)
        print(f"{pages} pages, {doc.stat().st_size / 1024:.0f} KB as .doc")
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--measure", str(doc)], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(3)]
    print(f"{'run':>3} {'convert s':>10} {'mammoth s':>10} {'LibreOffice peak MB':>20} {'body chars':>11}")
    for number, run in enumerate(runs, 1):
        print(f"{number:>3} {run['convert']:>10.2f} {run['import']:>10.2f} {run['peak_mb']:>20.0f} "
              f"{run['html_chars']:>11}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
    else:
        main()
