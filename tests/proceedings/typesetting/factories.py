"""Small books for tests and benchmarks: plain data, no database.

Every factory takes keyword overrides, so a test states only what matters
to it.
"""
from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import date

from app.domain.proceedings.typesetting.book import (
    BookConference,
    BookKeyTask,
    BookPiece,
    BookProgrammeRow,
    BookSection,
    BookSpec,
)
from tests.helpers import FIXTURES

IGUANA = FIXTURES / "iguana.jpg"
IGUANA_SHA = hashlib.sha256(IGUANA.read_bytes()).hexdigest()

ZH_SENTENCES = (
    "各地区认真贯彻落实党中央、国务院决策部署，坚持稳中求进工作总基调。",
    "我们围绕重点任务，建立健全工作机制，明确责任分工，细化时间节点。",
    "全年共开展专项检查一百二十余次，发现并整改问题三百四十六个。",
    "在推进过程中，注重发挥基层首创精神，总结推广了一批可复制的经验做法。",
    "同时也要看到，工作中仍存在区域发展不平衡、部门协同不够紧密等问题。",
    "下一步，我们将进一步加强统筹协调，完善制度体系，提升治理效能。",
    "通过“一网通办”改革，群众办事平均时间缩短了百分之四十。",
    "（一）强化组织领导；（二）加强督促检查；（三）注重宣传引导。",
)
EN_SENTENCES = (
    "The bureau reorganised its inspection teams around the eight key tasks of the year.",
    "Field visits to forty-two counties showed that the new procedures were understood and applied.",
    "Where delays remained, they came mostly from the coordination between departments.",
    "We therefore set up a joint office that meets every fortnight and reports to the deputy director.",
    "The results are summarised in the table below, with the figures for the previous year.",
    "Next year we intend to extend the pilot to the remaining prefectures and to publish the data.",
)


def conference(**overrides) -> BookConference:
    values = dict(title_zh="2024年全国工作交流会", title_en="National Work Exchange Conference 2024",
                  organiser_zh="国家示范部", organiser_en="Ministry of Examples",
                  city_zh="北京", city_en="Beijing",
                  starts_on=date(2024, 11, 20), ends_on=date(2024, 11, 21))
    values.update(overrides)
    return BookConference(**values)


def key_tasks(count: int = 4) -> tuple[BookKeyTask, ...]:
    titles = [("深化改革创新", "Deepening reform"), ("优化营商环境", "Improving the business climate"),
              ("加强基层治理", "Strengthening local governance"), ("推进数字化转型", "Going digital"),
              ("保障改善民生", "Improving livelihoods"), ("防范化解风险", "Managing risks"),
              ("促进区域协调", "Regional balance"), ("加强队伍建设", "Building capacity")]
    return tuple(BookKeyTask(n, zh, en) for n, (zh, en) in enumerate(titles[:count], 1))


def body_html(*, lang: str = "zh-CN", paragraphs: int = 6, sentences: int = 4,
              table: bool = False, footnote: bool = False, image: bool = False,
              extra: str = "", note_in: int = 0) -> str:
    """A sanitised-looking body: headings, paragraphs, a list, optionally a table, note, image.

    ``note_in``: the paragraph that calls the note (the first by default; the
    last puts the note on the table's page)."""
    pool = itertools.cycle(ZH_SENTENCES if lang == "zh-CN" else EN_SENTENCES)
    glue = "" if lang == "zh-CN" else " "
    heading = ("一、主要做法", "二、存在的问题", "三、下一步打算") if lang == "zh-CN" else (
        "1. What we did", "2. What remains", "3. Next steps")
    parts = []
    for p in range(paragraphs):
        if p % 3 == 0:
            parts.append(f"<h2>{heading[(p // 3) % 3]}</h2>")
        text = glue.join(next(pool) for _ in range(sentences))
        if footnote and p == note_in:
            text += '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>'
        parts.append(f"<p>{text}</p>")
    parts.append("<ul><li>" + next(pool) + "</li><li>" + next(pool) + "</li></ul>")
    if table:
        head = ("地区", "检查次数", "整改率") if lang == "zh-CN" else ("Region", "Inspections", "Fixed")
        caption = "各地检查情况" if lang == "zh-CN" else "Inspections by region"
        rows = "".join(f'<tr><td>{r}</td><td class="align-right">{10 + r * 7}</td>'
                       f'<td class="align-right">{80 + r}%</td></tr>' for r in range(1, 6))
        parts.append(f"<table><caption>{caption}</caption>"
                     f"<thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    if image:
        parts.append(f'<p><img src="/attachments/{IGUANA_SHA}" alt="iguana"></p>')
    parts.append(extra)
    if footnote:
        note = "数据来源：各地报送材料。" if lang == "zh-CN" else "Source: figures reported by the counties."
        parts.append('<hr class="footnotes-sep"><section class="footnotes"><ol class="footnotes-list">'
                     f'<li id="fn1" class="footnote-item"><p>{note} '
                     '<a href="#fnref1" class="footnote-backref">↩︎</a></p></li></ol></section>')
    return "".join(parts)


PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
             "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
             "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "兵团")


def piece(n: int = 1, *, kind: str = "written", lang: str = "zh-CN", **overrides) -> BookPiece:
    tasks = key_tasks()
    zh = lang == "zh-CN"
    values = dict(
        key=f"piece-{kind}-{n}", kind=kind,
        organisation_zh=f"{PROVINCES[n % 32]}示范局{'' if n < 32 else n}",
        organisation_en=f"Bureau of Province {n}",
        title=f"扎实推进重点任务落地见效（{n}）" if zh else f"Piece {n}: Delivering the key tasks",
        subtitle="关于本年度工作情况的报告" if zh else "A report on the year's work",
        speaker_name=f"张{n}明" if zh else f"Li Wei {n}",
        speaker_post="局长" if zh else "Director",
        key_tasks=(tasks[n % len(tasks)],),
        abstract="本文介绍了本省推进重点任务的主要做法。" if zh else "How the province delivered its tasks.",
        body_html=body_html(lang=lang), lang=lang, attachment_paths={})
    values.update(overrides)
    return BookPiece(**values)


def spec(*, oral: int = 2, written: int = 2, pieces_by_kind: dict | None = None,
         **overrides) -> BookSpec:
    """A book with ``oral`` speeches and ``written`` materials, alternating Chinese and English."""
    made = pieces_by_kind or {
        "oral": [piece(n, kind="oral", lang="zh-CN" if n % 2 else "en") for n in range(1, oral + 1)],
        "written": [piece(n, kind="written", lang="zh-CN" if n % 2 else "en")
                    for n in range(oral + 1, oral + written + 1)],
    }
    sections = tuple(
        BookSection(kind=kind, title_zh=zh, title_en=en, pieces=tuple(made[kind]))
        for kind, zh, en in (("oral", "大会交流发言", "Oral exchange speeches"),
                             ("written", "书面交流材料", "Written exchange materials"))
        if made.get(kind))
    values = dict(conference=conference(), edition_number=1, edition_date=date(2024, 12, 1),
                  cover_note="内部资料 注意保存", foreword_html="<p>本汇编收录了各地报送的交流材料。</p>",
                  sections=sections, key_tasks=key_tasks())
    values.update(overrides)
    return BookSpec(**values)


def with_image(p: BookPiece) -> BookPiece:
    """The piece with the iguana picture attached and shown in its body."""
    return replace(p, body_html=p.body_html + f'<p><img src="/attachments/{IGUANA_SHA}" alt="鬣蜥"></p>',
                   attachment_paths={IGUANA_SHA: IGUANA})


def programme(spec: BookSpec, minutes=(12, 8, 10, 15)) -> tuple[BookProgrammeRow, ...]:
    """The programme of the book's oral speeches, in their order, with planned minutes (the
    last speech of a long session without any)."""
    oral = [p for s in spec.sections if s.kind == "oral" for p in s.pieces]
    return tuple(BookProgrammeRow(order=n, bureau_zh=p.organisation_zh, bureau_en=p.organisation_en,
                                  speaker_name=p.speaker_name, speaker_post=p.speaker_post,
                                  minutes=minutes[n - 1] if n <= len(minutes) else None)
                 for n, p in enumerate(oral, start=1))


def synthetic_book(size: int):
    """The proceedings benchmark's book (and the long book's tests): ``size`` pieces of about
    1,500 words, alternately Chinese and English; a third of the speeches and materials with
    a table, a footnote and an image."""
    oral = max(1, size // 4)

    def make(n, kind):
        lang = "zh-CN" if n % 2 else "en"
        rich = n % 3 == 0
        p = piece(n, kind=kind, lang=lang, body_html=body_html(
            lang=lang, paragraphs=20, sentences=5, table=rich, footnote=rich))
        return with_image(p) if rich else p

    book = spec(pieces_by_kind={
        "oral": [make(n, "oral") for n in range(1, oral + 1)],
        "written": [make(n, "written") for n in range(oral + 1, size + 1)]})
    return replace(book, key_tasks=key_tasks(8))
