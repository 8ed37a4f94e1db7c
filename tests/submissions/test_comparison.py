from app.domain.submissions.bodies.rendering import render_body
from app.domain.submissions.comparison import DiffLine, DiffSegment, FieldDiff, diff_bodies, diff_fields, diff_text


def test_identical_texts_are_all_equal():
    assert diff_text("甲\n\n乙", "甲\n\n乙") == [DiffLine("equal", "甲", "甲"), DiffLine("equal", "乙", "乙")]


def test_an_added_paragraph_is_an_insert():
    assert diff_text("甲\n\n丙", "甲\n\n乙\n\n丙") == [
        DiffLine("equal", "甲", "甲"),
        DiffLine("insert", None, "乙"),
        DiffLine("equal", "丙", "丙"),
    ]


def test_a_removed_paragraph_is_a_delete():
    assert diff_text("甲\n\n乙", "甲") == [DiffLine("equal", "甲", "甲"), DiffLine("delete", "乙", None)]


def test_a_changed_english_paragraph_shows_the_changed_words():
    [line] = diff_text("The quick brown fox", "The slow brown fox")
    assert line.kind == "change"
    assert line.segments == [
        DiffSegment("equal", "The "),
        DiffSegment("delete", "quick"),
        DiffSegment("insert", "slow"),
        DiffSegment("equal", " brown fox"),
    ]


def test_a_changed_chinese_paragraph_shows_the_changed_characters():
    [line] = diff_text("今年完成了三项重点任务。", "今年完成了五项重点任务。")
    assert line.segments == [
        DiffSegment("equal", "今年完成了"),
        DiffSegment("delete", "三"),
        DiffSegment("insert", "五"),
        DiffSegment("equal", "项重点任务。"),
    ]


def test_a_rewritten_paragraph_is_a_delete_and_an_insert():
    assert diff_text("完全不同的旧内容", "Entirely new text here") == [
        DiffLine("delete", "完全不同的旧内容", None),
        DiffLine("insert", None, "Entirely new text here"),
    ]


def test_markup_in_the_text_stays_plain_text():
    [line] = diff_text("a <b>", "a <script>alert(1)</script>")
    assert "".join(s.text for s in line.segments if s.kind != "delete") == "a <script>alert(1)</script>"


def test_bodies_are_compared_by_their_text_not_their_markup():
    old = render_body("# 标题\n\n第一段内容。\n\n第二段。").html
    new = render_body("# 标题\n\n第一段**新**内容。\n\n第二段。").html
    lines = diff_bodies(old, new)
    assert [line.kind for line in lines] == ["equal", "change", "equal"]
    assert DiffSegment("insert", "新") in lines[1].segments


def test_only_changed_fields_are_listed_in_order():
    old = {"title": "交流材料", "key_tasks": ["任务一", "任务二"], "province": "浙江"}
    new = {"title": "交流材料（修订）", "key_tasks": ["任务一", "任务二"], "province": "浙江", "summary": "新增摘要"}
    changes = diff_fields(old, new)
    assert [change.name for change in changes] == ["title", "summary"]
    assert changes[1] == FieldDiff("summary", "", "新增摘要", [DiffLine("insert", None, "新增摘要")])


def test_list_fields_are_compared_item_by_item():
    [change] = diff_fields({"key_tasks": ["任务一", "任务二"]}, {"key_tasks": ["任务一", "任务三", "任务二"]})
    assert [line.kind for line in change.lines] == ["equal", "insert", "equal"]


def test_a_field_set_to_none_counts_as_emptied():
    [change] = diff_fields({"note": "备注"}, {"note": None})
    assert change.lines == [DiffLine("delete", "备注", None)]
