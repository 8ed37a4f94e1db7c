// The pieces of Tiptap (a ProseMirror editor) that Huibian's body editor uses,
// bundled into one file for static/vendor/editor/editor.js. The editor page's
// own code is static/js/body-editor.js: it reads HuibianEditorKit.
import { Editor, Node, mergeAttributes } from "@tiptap/core";
import Document from "@tiptap/extension-document";
import Paragraph from "@tiptap/extension-paragraph";
import Text from "@tiptap/extension-text";
import Heading from "@tiptap/extension-heading";
import Bold from "@tiptap/extension-bold";
import Italic from "@tiptap/extension-italic";
import Underline from "@tiptap/extension-underline";
import HardBreak from "@tiptap/extension-hard-break";
import Blockquote from "@tiptap/extension-blockquote";
import HorizontalRule from "@tiptap/extension-horizontal-rule";
import { BulletList, OrderedList, ListItem, ListKeymap } from "@tiptap/extension-list";
import { Table, TableRow, TableCell, TableHeader } from "@tiptap/extension-table";
import Image from "@tiptap/extension-image";
import { CharacterCount, UndoRedo, Dropcursor, Gapcursor, TrailingNode } from "@tiptap/extensions";

// A footnote is an inline atom holding its own text: the server turns it into
// the body's numbered notes (the markup of Markdown footnotes) when it saves,
// and back into this node when the editor opens.
const Footnote = Node.create({
  name: "footnote",
  group: "inline",
  inline: true,
  atom: true,
  selectable: true,
  addAttributes() {
    return {
      note: {
        default: "",
        parseHTML: (element) => element.getAttribute("data-note") || "",
        renderHTML: (attributes) => ({ "data-note": attributes.note }),
      },
    };
  },
  parseHTML() {
    return [{ tag: "span[data-footnote]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["span", mergeAttributes({ "data-footnote": "" }, HTMLAttributes)];
  },
  renderText({ node }) {
    return node.attrs.note;
  },
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("sup");
      dom.className = "editor-footnote";
      dom.setAttribute("title", node.attrs.note);
      dom.setAttribute("data-footnote", "");
      dom.textContent = "\u203b";
      return { dom };
    };
  },
});

// Tables as the body keeps them: no widths or inline styles (the page and the
// book set them; the sanitiser would remove them and say so on every save),
// and column alignment as the classes align-left, align-center, align-right.
const alignment = {
  default: null,
  parseHTML: (element) => {
    const match = (element.getAttribute("class") || "").match(/\balign-(left|center|right)\b/);
    return match ? match[1] : (["left", "center", "right"].includes(element.style.textAlign) ? element.style.textAlign : null);
  },
  renderHTML: (attributes) => (attributes.align ? { class: `align-${attributes.align}` } : {}),
};
const noWidth = { default: null, parseHTML: () => null, renderHTML: () => ({}) };
const BodyTable = Table.extend({
  renderHTML({ HTMLAttributes }) {
    const { style, ...attributes } = HTMLAttributes;
    return ["table", attributes, ["tbody", 0]];
  },
});
const BodyTableCell = TableCell.extend({
  addAttributes() {
    return { ...this.parent?.(), colwidth: noWidth, align: alignment };
  },
});
const BodyTableHeader = TableHeader.extend({
  addAttributes() {
    return { ...this.parent?.(), colwidth: noWidth, align: alignment };
  },
});

export {
  Editor, Document, Paragraph, Text, Heading, Bold, Italic, Underline, HardBreak, Blockquote,
  HorizontalRule, BulletList, OrderedList, ListItem, ListKeymap, Image,
  BodyTable, TableRow, BodyTableCell, BodyTableHeader, CharacterCount,
  UndoRedo, Dropcursor, Gapcursor, TrailingNode, Footnote,
};
