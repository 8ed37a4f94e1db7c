import base64

import pytest

from app.domain.submissions.bodies.rendering import plain_text, render_body

SHA = "0123456789abcdef" * 4
ATTACHMENT = f"/attachments/{SHA}"
TINY_PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(20)).decode()


def test_markdown_becomes_html():
    body = render_body("# 标题\n\n一段 **加粗** 和 *强调* 和 ~~删除~~。\n\n- 一\n- 二\n")
    assert body.html == (
        "<h1>标题</h1>\n<p>一段 <strong>加粗</strong> 和 <em>强调</em> 和 <s>删除</s>。</p>\n"
        "<ul>\n<li>一</li>\n<li>二</li>\n</ul>\n"
    )
    assert body.removed == []


def test_chinese_text_survives_exactly():
    text = "各省（区、市）交流材料：“数字政府”建设——第①部分 𠀀𪚥"
    assert render_body(text).html == f"<p>{text}</p>\n"
    assert plain_text(render_body(text).html) == text


def test_allowed_html_passes_through():
    html = ('<figure><img src="%s" alt="图" width="300" height="200"><figcaption>图一</figcaption></figure>\n\n'
            '<table><caption>表</caption><tr><td colspan="2" rowspan="1">合并</td></tr></table>' % ATTACHMENT)
    body = render_body(html)
    assert f'<img src="{ATTACHMENT}" alt="图" width="300" height="200">' in body.html
    assert '<td colspan="2" rowspan="1">合并</td>' in body.html
    assert "<figcaption>图一</figcaption>" in body.html
    assert body.removed == []


@pytest.mark.parametrize(
    ("markdown", "gone", "kept", "reported"),
    [
        ("x <script>alert(1)</script> y", "alert", "y", "script element"),
        ('<img src="x" onerror="alert(1)">', "onerror", "", "image x"),
        (f'<img src="{ATTACHMENT}" onerror="alert(1)">', "onerror", ATTACHMENT, "event handler attribute onerror"),
        ('<a href="javascript:alert(1)">点我</a>', "javascript", "<a>点我</a>", "link to javascript:alert(1) (text kept)"),
        ('<img src="file:///etc/passwd">', "passwd", "", "local file image file:///etc/passwd"),
        ("![外部](http://example.com/a.png)", "example.com", "", "external image http://example.com/a.png"),
        ('<img src="https://example.com/a.png">', "example.com", "", "external image https://example.com/a.png"),
        ('<img src="//example.com/a.png">', "example.com", "", "external image //example.com/a.png"),
        ('<img src="a.png">', "a.png", "", "image a.png"),
        ('<p style="position:fixed">遮罩</p>', "position", "<p>遮罩</p>", "style attribute"),
        ('<iframe src="http://evil/"></iframe>', "evil", "", "iframe element"),
        ('<object data="x.swf"></object><embed src="y.swf">', "swf", "", "object element"),
        ('<form action="/x"><input name="q">文字</form>', "input", "文字", "form tag (content kept)"),
        ('<link rel="stylesheet" href="http://x/a.css">', "css", "", "stylesheet link"),
        ("<style>body{display:none}</style>", "display", "", "style element"),
        ("[外链](https://example.com)", "example.com", "<a>外链</a>", "link to https://example.com (text kept)"),
        ("[mail](mailto:a@b.c)", "mailto", "<a>mail</a>", "link to mailto:a@b.c (text kept)"),
        ("[相对](../other.html)", "other", "<a>相对</a>", "link to ../other.html (text kept)"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "svg", "", "inline image of an unsupported kind (data:image/svg+xml;base64)"),
        (f'<img src="/attachments/{SHA.upper()}">', "attachments", "", f"image /attachments/{SHA.upper()}"),
        ('<img src="/attachments/../../etc/passwd">', "passwd", "", "image /attachments/../../etc/passwd"),
        ('<span class="evil footnote-ref">x</span>', "evil", '<span class="footnote-ref">x</span>', "class evil"),
    ],
)
def test_disallowed_markup_is_removed_and_reported(markdown, gone, kept, reported):
    body = render_body(markdown)
    assert gone not in body.html
    assert kept in body.html
    assert reported in body.removed


def test_an_oversized_inline_image_is_removed():
    big = "data:image/png;base64," + "A" * (256 * 1024)
    body = render_body(f'<img src="{big}">')
    assert "<img" not in body.html
    assert body.removed == ["inline image larger than 256 KiB"]


def test_a_small_inline_image_is_kept():
    assert f'<img src="{TINY_PNG}" alt="小图">' in render_body(f"![小图]({TINY_PNG})").html


def test_repeated_removals_are_counted_once_each():
    markdown = '<img src="http://x/y.png"><img src="http://x/y.png"><p style="a" onclick="b">1</p><p style="c">2</p>'
    assert render_body(markdown).removed == [
        "external image http://x/y.png (2 times)",
        "style attribute (2 times)",
        "event handler attribute onclick",
    ]


def test_markdown_footnotes_link_both_ways_with_prefixed_ids():
    html = render_body("正文[^1]\n\n[^1]: 脚注内容\n").html
    assert '<sup class="footnote-ref"><a href="#body-fn1" id="body-fnref1">[1]</a></sup>' in html
    assert '<li id="body-fn1" class="footnote-item"><p>脚注内容 <a href="#body-fnref1" class="footnote-backref">' in html
    assert '<section class="footnotes">' in html


def test_each_body_on_a_page_can_have_its_own_id_prefix():
    html = render_body('<h2 id="intro">引言</h2>\n\n[见引言](#intro)', id_prefix="s42-").html
    assert '<h2 id="s42-intro">' in html
    assert '<a href="#s42-intro">见引言</a>' in html


def test_an_unsafe_id_prefix_is_refused():
    with pytest.raises(ValueError):
        render_body("x", id_prefix='"><script>')


def test_table_alignment_becomes_a_class_not_a_style():
    body = render_body("| 左 | 右 |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th class="align-left">左</th>' in body.html
    assert '<td class="align-right">2</td>' in body.html
    assert "style" not in body.html
    assert body.removed == []


def test_code_blocks_keep_their_language():
    assert '<code class="language-python">' in render_body("```python\nprint(1)\n```\n").html


def test_rendering_is_deterministic():
    markdown = "段落[^a]\n\n<img src=\"http://x\"><b onclick=1>x</b>\n\n[^a]: 注\n"
    assert render_body(markdown) == render_body(markdown)


def test_a_two_megabyte_body_renders_completely():
    paragraph = ("这是一段用于测试的正文，包含**加粗**、*强调*和[链接](#x)。" * 20 + "\n\n")
    markdown = paragraph * (2 * 1024 * 1024 // len(paragraph.encode()) + 1)
    markdown += '<img src="http://x/y.png">\n'
    body = render_body(markdown)
    assert len(markdown.encode()) >= 2 * 1024 * 1024
    assert body.html.count("<strong>加粗</strong>") == markdown.count("**加粗**")
    assert body.removed == ["external image http://x/y.png"]


def test_plain_text_gives_one_paragraph_per_block():
    html = render_body("# 标题\n\n第一段\n换行继续\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- 甲\n- 乙\n").html
    assert plain_text(html) == "标题\n\n第一段 换行继续\n\na\tb\n\n1\t2\n\n甲\n\n乙"


def test_plain_text_keeps_hard_line_breaks_and_image_descriptions():
    html = f'<p>一行<br>二行 <img src="{ATTACHMENT}" alt="示意图"></p>'
    assert plain_text(html) == "一行\n二行 [示意图]"


def test_plain_text_unescapes_entities():
    assert plain_text("<p>a &lt;b&gt; &amp; c</p>") == "a <b> & c"


def test_markup_hidden_in_attributes_and_text_cannot_break_out():
    markdown = '<p><a title="<img a=&quot;x&quot;>" href="#y">t</a> " <br> onclick=alert(1) " <img src="http://x"></p>'
    body = render_body(markdown)
    assert body.html == (
        '<p><a title="&lt;img a=&quot;x&quot;&gt;" href="#body-y">t</a> " <br> onclick=alert(1) " </p>'
    )


def test_html_shown_as_code_is_neither_removed_nor_reported():
    body = render_body("`<img src=http://x>`\n\n    <script>x</script>\n")
    assert "&lt;img src=http://x&gt;" in body.html
    assert "&lt;script&gt;x&lt;/script&gt;" in body.html
    assert body.removed == []
