// The body editor: Tiptap (ProseMirror, static/vendor/editor/editor.js) over
// the form's body textarea. The textarea stays the form's field: the editor
// writes its HTML there on every change, so saving, the unsaved-text copy in
// this browser (submission-editor.js) and the preview work as without it, and
// a browser without JavaScript edits the textarea itself.
(function () {
  "use strict";
  var shell = document.getElementById("body-editor-shell");
  var textarea = document.getElementById("body");
  var kit = window.HuibianEditorKit;
  if (!shell || !textarea || !kit) { return; }
  var form = textarea.form;
  var format = form.querySelector("input[name=body_format]");
  var counter = document.getElementById("body-count");
  var limit = parseInt(shell.dataset.limit || "0", 10);
  var text = shell.dataset;

  // 字数: characters without spaces, notes included, as the server counts them.
  function countCharacters(value) { return value.replace(/\s+/g, "").length; }

  // The toolbar's commands, and the buttons that show whether they are on where the cursor is.
  var commands = {
    undo: function (chain) { return chain.undo(); },
    redo: function (chain) { return chain.redo(); },
    paragraph: function (chain) { return chain.setParagraph(); },
    heading2: function (chain) { return chain.toggleHeading({ level: 2 }); },
    heading3: function (chain) { return chain.toggleHeading({ level: 3 }); },
    heading4: function (chain) { return chain.toggleHeading({ level: 4 }); },
    bold: function (chain) { return chain.toggleBold(); },
    italic: function (chain) { return chain.toggleItalic(); },
    underline: function (chain) { return chain.toggleUnderline(); },
    orderedList: function (chain) { return chain.toggleOrderedList(); },
    bulletList: function (chain) { return chain.toggleBulletList(); },
    insertTable: function (chain) { return chain.insertTable({ rows: 3, cols: 3, withHeaderRow: true }); },
    addRow: function (chain) { return chain.addRowAfter(); },
    deleteRow: function (chain) { return chain.deleteRow(); },
    addColumn: function (chain) { return chain.addColumnAfter(); },
    deleteColumn: function (chain) { return chain.deleteColumn(); },
    deleteTable: function (chain) { return chain.deleteTable(); },
  };
  var toggles = {
    bold: function () { return editor.isActive("bold"); },
    italic: function () { return editor.isActive("italic"); },
    underline: function () { return editor.isActive("underline"); },
    heading2: function () { return editor.isActive("heading", { level: 2 }); },
    heading3: function () { return editor.isActive("heading", { level: 3 }); },
    heading4: function () { return editor.isActive("heading", { level: 4 }); },
    orderedList: function () { return editor.isActive("orderedList"); },
    bulletList: function () { return editor.isActive("bulletList"); },
  };
  var tableOnly = ["addRow", "deleteRow", "addColumn", "deleteColumn", "deleteTable"];

  var editor = new kit.Editor({
    element: document.getElementById("body-editor"),
    injectCSS: false,  // the page's CSP forbids injected <style>; app.css has the rules
    extensions: [
      kit.Document, kit.Paragraph, kit.Text, kit.HardBreak, kit.Blockquote, kit.HorizontalRule,
      kit.Heading.configure({ levels: [1, 2, 3, 4] }),
      kit.Bold, kit.Italic, kit.Underline,
      kit.BulletList, kit.OrderedList, kit.ListItem, kit.ListKeymap,
      kit.BodyTable.configure({ resizable: false }), kit.TableRow, kit.BodyTableCell, kit.BodyTableHeader,
      kit.Image.configure({ inline: false, allowBase64: true }),
      kit.Footnote,
      kit.UndoRedo, kit.Dropcursor, kit.Gapcursor, kit.TrailingNode,
      kit.CharacterCount.configure({ textCounter: countCharacters }),
    ],
    content: textarea.value,
    editorProps: {
      attributes: {
        "class": "body-editor-surface body-html",
        "role": "textbox",
        "aria-multiline": "true",
        "aria-labelledby": "body-label",
        "aria-describedby": "body-count",
        "lang": document.documentElement.lang || "zh-CN",
      },
      transformPastedHTML: function (html) { reportRemovals(html); return html; },
    },
    onUpdate: function () { edited(); },
    onSelectionUpdate: function () { showActiveMarks(); },
    onTransaction: function () { showActiveMarks(); },
  });
  // The editor keeps what the server stored, so reading it back must not
  // count as a change: only a user's edit marks the form dirty.
  textarea.value = editor.getHTML();
  textarea.hidden = true;
  shell.hidden = false;
  if (format) { format.value = "html"; }

  // Serialising the whole document to HTML is work in proportion to its length:
  // done a moment after typing stops, not on every keystroke of a long report,
  // and at once whenever the textarea is about to be read (a save, a preview,
  // leaving the page). The form learns at once that it has changes, and the
  // count follows each keystroke.
  var syncTimer = null;
  function edited() {
    window.clearTimeout(syncTimer);
    syncTimer = window.setTimeout(syncToTextarea, 250);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    showCount();
  }

  function syncToTextarea() {
    window.clearTimeout(syncTimer);
    syncTimer = null;
    textarea.value = editor.isEmpty ? "" : editor.getHTML();
  }

  function syncIfPending() { if (syncTimer !== null) { syncToTextarea(); } }
  // Registered before submission-editor.js's listeners (this script comes first), so they read the text as typed.
  form.addEventListener("submit", syncIfPending, true);
  window.addEventListener("beforeunload", syncIfPending);
  var previewButton = document.getElementById("preview-button");
  if (previewButton) { previewButton.addEventListener("click", syncIfPending); }

  function showCount() {
    var count = editor.storage.characterCount.characters();
    var label = text.countLabel + " " + count.toLocaleString();
    if (limit) { label += " / " + text.limitLabel + " " + limit.toLocaleString(); }
    counter.textContent = label;
    counter.classList.toggle("over-limit", limit > 0 && count > limit);
  }

  // Text put back from this browser's copy (submission-editor.js) goes into the editor too.
  form.addEventListener("huibian:restored", function () {
    editor.commands.setContent(textarea.value, { emitUpdate: false });
    format.value = "html";
    showCount();
  });

  // ---- the toolbar ----

  shell.querySelectorAll("[data-command]").forEach(function (button) {
    // A click leaves the cursor in the text (keyboard users reach the buttons
    // with Tab, and the command puts them back in the text).
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () {
      var name = button.dataset.command;
      if (commands[name]) {
        commands[name](editor.chain().focus()).run();
      } else if (name === "footnote") {
        openFootnoteDialog();
      } else if (name === "picture") {
        openPictureDialog();
      }
    });
  });

  function showActiveMarks() {
    if (!editor) { return; }  // a transaction while the editor is being made
    Object.keys(toggles).forEach(function (name) {
      var button = shell.querySelector('[data-command="' + name + '"]');
      if (button) { button.setAttribute("aria-pressed", toggles[name]() ? "true" : "false"); }
    });
    var inTable = editor.isActive("table");
    tableOnly.forEach(function (name) {
      var button = shell.querySelector('[data-command="' + name + '"]');
      if (button) { button.disabled = !inTable; }
    });
    ["undo", "redo"].forEach(function (name) {
      var button = shell.querySelector('[data-command="' + name + '"]');
      if (button) { button.disabled = !editor.can()[name](); }
    });
  }

  // ---- notes: a dialog for the note's text; a selected note opens it to edit ----
  var noteDialog = document.getElementById("footnote-dialog");
  var noteText = document.getElementById("footnote-text");
  function openFootnoteDialog() {
    var selected = editor.state.selection.node;
    var editing = selected && selected.type.name === "footnote";
    noteText.value = editing ? selected.attrs.note : "";
    noteDialog.dataset.editing = editing ? "yes" : "";
    noteDialog.showModal();
    noteText.focus();
  }
  noteDialog.addEventListener("close", function () {
    var value = noteText.value.trim();
    if (noteDialog.returnValue !== "ok" || !value) { editor.commands.focus(); return; }
    if (noteDialog.dataset.editing) {
      editor.chain().focus().updateAttributes("footnote", { note: value }).run();
    } else {
      editor.chain().focus().insertContent({ type: "footnote", attrs: { note: value } }).run();
    }
  });

  // ---- pictures from the piece's attachments ----
  var pictureDialog = document.getElementById("picture-dialog");
  function openPictureDialog() {
    if (!pictureDialog) { return; }
    pictureDialog.showModal();
  }
  if (pictureDialog) {
    pictureDialog.addEventListener("close", function () {
      var choice = pictureDialog.querySelector("select");
      var caption = pictureDialog.querySelector("input[name=caption]");
      if (pictureDialog.returnValue === "ok" && choice && choice.value) {
        var option = choice.options[choice.selectedIndex];
        editor.chain().focus().setImage({ src: choice.value, alt: caption.value.trim() || option.dataset.name }).run();
      } else {
        editor.commands.focus();
      }
      if (caption) { caption.value = ""; }
    });
  }

  // ---- paste: the pasted HTML goes through the server's sanitiser, which names what it removes
  // (submission-editor.js asks it and shows the answer where the preview does) ----
  function reportRemovals(html) {
    form.dispatchEvent(new CustomEvent("huibian:pasted", { detail: { html: html } }));
  }

  showCount();
  showActiveMarks();
  window.huibianBodyEditor = editor;  // for the browser tests and for debugging
})();
