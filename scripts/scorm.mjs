// Packages the built app (dist/) as a SCORM 1.2 content package for an LMS: a zip holding every built
// file and an imsmanifest.xml with one SCO per lab of labs/*.toml, each launching the app on its lab
// (index.html?lab=ID), the page's references to the built files made relative so that it runs under
// whatever path the LMS serves it from. The app reports the lab's status and score to the LMS's SCORM 1.2 runtime itself
// (web/src/scorm.rs).
//
//   node scripts/scorm.mjs [--dist DIR] [--out FILE.zip]
//
// Defaults: --dist dist, --out dist-scorm/luna-hsm7-trainer-scorm12.zip. Needs only node: the zip is
// written here (deflate from node's zlib).
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The package's title in the LMS, and the prefix of its identifiers. */
const TITLE = "Luna USB HSM 7 simulator and trainer: labs";
const IDENTIFIER = "luna-usb-hsm7-trainer";

function args(argv) {
  const out = { dist: join(root, "dist"), out: join(root, "dist-scorm", "luna-hsm7-trainer-scorm12.zip") };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if ((flag === "--dist" || flag === "--out") && value) {
      out[flag.slice(2)] = resolve(value);
      i++;
    } else {
      throw new Error(`usage: node scripts/scorm.mjs [--dist DIR] [--out FILE.zip] (not ${flag})`);
    }
  }
  return out;
}

/** Every file under `dir`, as paths relative to it with `/`, sorted. */
async function files(dir) {
  const out = [];
  async function walk(d) {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join("/"));
    }
  }
  await walk(dir);
  return out.sort();
}

/**
 * The labs, in file order: `{ id, title }` from each labs/*.toml's top-level `id = "..."` and
 * `title = "..."` (the keys before the first table; a basic TOML string, its escapes \" and \\ undone).
 */
export async function labs(dir = join(root, "labs")) {
  const out = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".toml")).sort()) {
    const text = await readFile(join(dir, name), "utf8");
    const head = text.split(/^\[/m)[0];
    const key = (k) => {
      const m = head.match(new RegExp(`^${k}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, "m"));
      if (!m) throw new Error(`labs/${name}: no top-level ${k} = "..."`);
      return m[1].replace(/\\(["\\])/g, "$1");
    };
    out.push({ id: key("id"), title: key("title") });
  }
  return out;
}

const xml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * imsmanifest.xml: one organization with an item per lab, each item's SCO resource launching
 * `index.html?lab=ID` and depending on one asset resource that lists every built file.
 */
export function manifest(labList, fileList) {
  const items = labList
    .map(
      (lab) => `      <item identifier="ITEM-${xml(lab.id)}" identifierref="SCO-${xml(lab.id)}" isvisible="true">
        <title>${xml(lab.title)}</title>
      </item>`,
    )
    .join("\n");
  const scos = labList
    .map(
      (lab) => `    <resource identifier="SCO-${xml(lab.id)}" type="webcontent" adlcp:scormtype="sco" href="index.html?lab=${encodeURIComponent(lab.id)}">
      <file href="index.html"/>
      <dependency identifierref="APP"/>
    </resource>`,
    )
    .join("\n");
  const assets = fileList.map((f) => `      <file href="${xml(encodeURI(f))}"/>`).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${IDENTIFIER}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-labs">
    <organization identifier="ORG-labs">
      <title>${xml(TITLE)}</title>
${items}
    </organization>
  </organizations>
  <resources>
${scos}
    <resource identifier="APP" type="webcontent" adlcp:scormtype="asset">
${assets}
    </resource>
  </resources>
</manifest>
`;
}

// ---- a zip writer (PKWARE APPNOTE: local headers, data, central directory, end record) ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Every entry's time: a fixed one, so that the same build makes the same zip. 2025-01-01 00:00. */
const DOS_TIME = 0;
const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;

/**
 * A zip of `entries` ([{ name, data }]): each deflated, or stored when deflating does not make it
 * smaller. No zip64: the package stays far under 4 GiB.
 */
export function zip(entries) {
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const deflated = deflateRawSync(data, { level: 9 });
    const [method, body] = deflated.length < data.length ? [8, deflated] : [0, data];
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    chunks.push(local, nameBytes, body);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt16LE(DOS_TIME, 12);
    entry.writeUInt16LE(DOS_DATE, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, ...central, end]);
}

/**
 * `html` with its references to the built files made relative (`"/hsm-web-….js"` becomes
 * `"./hsm-web-….js"`): Trunk writes them from the site's root, and an LMS serves a package under a path
 * of its own. The files are unchanged, so their integrity hashes still hold.
 */
export function relativeRefs(html, fileList) {
  let out = html;
  for (const f of fileList) {
    for (const q of ['"', "'"]) out = out.split(`${q}/${f}${q}`).join(`${q}./${f}${q}`);
  }
  return out;
}

/** Builds the package from `dist` into `out`; returns what it holds. */
export async function build({ dist, out }) {
  await stat(join(dist, "index.html")).catch(() => {
    throw new Error(`${dist}/index.html not found: build the app first (trunk build --release)`);
  });
  const fileList = await files(dist);
  if (fileList.includes("imsmanifest.xml")) throw new Error(`${dist} already holds an imsmanifest.xml`);
  const labList = await labs();
  const entries = [{ name: "imsmanifest.xml", data: Buffer.from(manifest(labList, fileList), "utf8") }];
  for (const f of fileList) {
    const data = await readFile(join(dist, f));
    entries.push({ name: f, data: f.endsWith(".html") ? Buffer.from(relativeRefs(data.toString("utf8"), fileList)) : data });
  }
  const bytes = zip(entries);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  return { out, labs: labList, files: fileList, bytes: bytes.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const made = await build(args(process.argv.slice(2)));
  console.log(
    `scorm.mjs: ${made.out}: ${made.labs.length} SCOs (one per lab), ${made.files.length} files, ${made.bytes} bytes`,
  );
}
