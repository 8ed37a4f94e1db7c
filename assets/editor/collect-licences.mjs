// Writes the licence of every npm package bundled into editor.js beside it,
// from esbuild's metafile: what ships in static/ carries its notices.
import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [metafile, out] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metafile, "utf8"));
const packages = new Set();
for (const output of Object.values(meta.outputs)) {
  for (const input of Object.keys(output.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.add(match[1]);
  }
}
let text = "Huibian's body editor (static/vendor/editor/editor.js) bundles these npm packages.\n" +
  "Rebuild it with scripts/build-editor.sh.\n";
for (const name of [...packages].sort()) {
  const folder = join("node_modules", name);
  const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const licenceFile = readdirSync(folder).find((file) => /^licen[cs]e/i.test(file));
  text += `\n${"=".repeat(72)}\n${name} ${manifest.version} (${manifest.license})\n${"=".repeat(72)}\n`;
  text += licenceFile ? readFileSync(join(folder, licenceFile), "utf8")
    : `No licence file in the package; its package.json declares ${manifest.license}.\n`;
}
writeFileSync(out, text);
