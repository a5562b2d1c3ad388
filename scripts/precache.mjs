// Trunk post_build hook: writes the list of every built file, and a version derived from their contents,
// into the staged service worker (sw.js), so that the app works offline after one visit and a new build
// is a new service worker. Trunk hashes the main files' names, not the worker's: the version covers both.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("precache.mjs runs as a Trunk hook: TRUNK_STAGING_DIR is not set");

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

const sw = join(staging, "sw.js");
const built = (await files(staging)).filter((f) => f !== sw).sort();
const hash = createHash("sha256");
const names = [];
for (const file of built) {
  const name = relative(staging, file).split(sep).join("/");
  names.push(name);
  hash.update(name).update("\0").update(await readFile(file)).update("\0");
}
const version = hash.digest("hex").slice(0, 16);
const template = await readFile(sw, "utf8");
await writeFile(sw, template.replace("__PRECACHE_VERSION__", version).replace("__PRECACHE_FILES__", JSON.stringify(names)));
console.log(`precache.mjs: ${names.length} files, version ${version}`);
