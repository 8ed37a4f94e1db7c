"""The body editor in Chromium: a bureau writes as in Word, and the body is what it saw."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Attachment, Submission, SubmissionState
from tests.e2e.conftest import EDITOR

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft(bureau_draft):
    return bureau_draft(body_source="")


def saved(db) -> Submission:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission))


def open_editor(page, login, submission):
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")
    page.locator(EDITOR).wait_for()
    page.click(EDITOR)


def save(page):
    page.click("button:has-text('Save the draft')")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()


def test_headings_marks_lists_and_a_table_from_the_toolbar_and_markdown_shortcuts(db, page, login, draft):
    open_editor(page, login, draft)
    page.keyboard.type("## 一、总体情况")
    page.keyboard.press("Enter")
    page.keyboard.type("我们坚持")
    page.click("[data-command=bold]")
    page.keyboard.type("稳中求进")
    page.click("[data-command=bold]")
    page.keyboard.type("，")
    page.click("[data-command=underline]")
    page.keyboard.type("久久为功")
    page.click("[data-command=underline]")
    page.keyboard.press("Enter")
    page.keyboard.type("- 第一条")  # a Markdown shortcut
    page.keyboard.press("Enter")
    page.keyboard.type("第二条")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click("[data-command=heading3]")
    page.keyboard.type("（一）数据")
    page.keyboard.press("Enter")
    page.click("[data-command=insertTable]")  # 3 × 3 with a header row
    page.keyboard.type("项目")
    page.keyboard.press("Tab")  # the next cell
    page.click("[data-command=addColumn]")
    page.click("[data-command=addRow]")
    page.click("[data-command=deleteColumn]")
    assert page.locator(f"{EDITOR} table tr").count() == 4
    assert page.locator(f"{EDITOR} table tr:first-child > *").count() == 3
    page.click("[data-command=undo]")  # the column comes back
    assert page.locator(f"{EDITOR} table tr:first-child > *").count() == 4
    page.click("[data-command=redo]")
    save(page)

    body = saved(db)
    assert body.body_format == "html"
    html = body.body_html
    assert "<h2>一、总体情况</h2>" in html and "<h3>（一）数据</h3>" in html
    assert "<strong>稳中求进</strong>" in html and "<u>久久为功</u>" in html
    assert "<li><p>第一条</p></li>" in html and "<th><p>项目</p></th>" in html
    assert html.count("<tr>") == 4
    assert page.locator("text=Removed from the body").count() == 0  # the editor writes only what is allowed
    # The saved body opens in the editor as it was left.
    page.reload()
    page.locator(f"{EDITOR} h2").wait_for()
    assert page.inner_text(f"{EDITOR} h2") == "一、总体情况"
    assert page.locator(f"{EDITOR} table tr").count() == 4


def test_chinese_typed_through_an_input_method_arrives_whole(db, page, login, draft):
    open_editor(page, login, draft)
    cdp = page.context.new_cdp_session(page)
    # What an IME does: compose pinyin in place, then commit the characters.
    for composing in ("s", "sheng", "sheng't", "sheng'tai"):
        cdp.send("Input.imeSetComposition", {"text": composing, "selectionStart": len(composing),
                                             "selectionEnd": len(composing)})
    cdp.send("Input.insertText", {"text": "生态"})
    cdp.send("Input.imeSetComposition", {"text": "huan", "selectionStart": 4, "selectionEnd": 4})
    cdp.send("Input.insertText", {"text": "环境"})
    page.keyboard.type("保护")
    assert page.inner_text(EDITOR).strip() == "生态环境保护"
    assert page.inner_text("#body-count") == "Characters 6"
    save(page)
    assert saved(db).body_html == "<p>生态环境保护</p>"


def test_a_footnote_is_written_where_it_is_called_and_printed_as_a_note(db, page, login, draft):
    open_editor(page, login, draft)
    page.keyboard.type("空气质量持续改善")
    page.click("[data-command=footnote]")
    page.fill("#footnote-text", "数据来源：国家空气质量监测网。")
    page.click("#footnote-dialog button[value=ok]")
    page.locator(f"{EDITOR} sup.editor-footnote").wait_for()  # the dialog closes, then the note goes in
    page.keyboard.type("。")
    save(page)

    html = saved(db).body_html
    assert '<sup class="footnote-ref"><a href="#body-fn1" id="body-fnref1">[1]</a></sup>。' in html
    assert "数据来源：国家空气质量监测网。" in html.split('<section class="footnotes">')[1]
    page.click("#preview-button")
    page.locator("#preview .footnotes").wait_for()


def test_pasting_from_word_says_what_the_sanitiser_removes(db, page, login, draft):
    open_editor(page, login, draft)
    word_html = ('<p class="MsoNormal"><b>粘贴的文字</b><img src="http://evil.example/x.png"></p>'
                 '<script>alert(1)</script>')
    page.evaluate("""html => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', '粘贴的文字');
        document.querySelector('#body-editor .ProseMirror').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", word_html)
    page.locator("#preview-removed:has-text('external image http://evil.example/x.png')").wait_for()
    assert page.inner_text(f"{EDITOR} strong") == "粘贴的文字"
    save(page)
    html = saved(db).body_html
    assert "<strong>粘贴的文字</strong>" in html and "evil" not in html and "script" not in html


def test_a_body_written_in_word_opens_formatted_with_its_notes(db, page, login, factory, draft):
    draft.body_source = ('<h2>一、做法</h2><p>正文<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup></p>'
                         '<table><tr><th>指标</th><th>数值</th></tr><tr><td>PM2.5</td><td class="align-right">30</td></tr></table>'
                         '<hr class="footnotes-sep"><section class="footnotes"><ol class="footnotes-list">'
                         '<li id="fn1" class="footnote-item"><p>来自统计公报。 <a href="#fnref1" class="footnote-backref">↩︎</a></p></li>'
                         '</ol></section>')
    draft.body_format = "html"
    factory.commit()
    open_editor(page, login, draft)
    assert page.inner_text(f"{EDITOR} h2") == "一、做法"
    assert page.get_attribute(f"{EDITOR} sup.editor-footnote", "title") == "来自统计公报。"
    assert page.locator(f"{EDITOR} td.align-right").count() == 1
    assert page.locator(f"{EDITOR} .footnotes").count() == 0  # the notes list is not text to edit
    page.keyboard.press("End")
    page.keyboard.type("增加的文字")
    save(page)
    html = saved(db).body_html
    assert html.count('class="footnote-item"') == 1 and "来自统计公报。" in html
    assert '<td class="align-right"><p>30</p></td>' in html


def test_the_count_shows_the_invitations_limit_and_submitting_past_it_is_refused(db, page, login, factory, draft):
    draft.invitation.max_chars = 100
    draft.body_source = "<p>" + "字" * 98 + "</p>"
    draft.body_format = "html"
    factory.commit()
    open_editor(page, login, draft)
    assert page.inner_text("#body-count") == "Characters 98 / limit 100"
    page.keyboard.press("End")
    page.keyboard.type("多出来的字")
    assert page.inner_text("#body-count") == "Characters 103 / limit 100"
    assert "over-limit" in page.get_attribute("#body-count", "class")
    save(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Submit for review')")
    page.locator(".flash-error:has-text('The body has 103 characters; this invitation allows at most 100.')").wait_for()
    assert saved(db).state is SubmissionState.DRAFT


def test_a_picture_comes_from_the_pieces_attachments_with_its_caption(db, page, login, factory, draft):
    from tests.helpers import FIXTURES

    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    page.set_input_files("#file", str(FIXTURES / "monty-truth.png"))
    page.click("button:has-text('Upload')")
    page.locator(".flash-success").first.wait_for()
    page.click(EDITOR)
    page.click("[data-command=picture]")
    page.fill("#picture-caption", "图为治理后的河道")
    page.click("#picture-dialog button[value=ok]")
    page.locator(f"{EDITOR} img").wait_for()
    save(page)
    sha = db.session.scalar(sa.select(Attachment.sha256))
    assert f'<img src="/attachments/{sha}" alt="图为治理后的河道">' in saved(db).body_html
