// Every shipped file of the release build (dist/): its size raw, gzip -9 and brotli (quality 11, as a
// server would precompress). A report: it prints figures and asserts nothing.
// Usage: node e2e/bench-size.mjs [dist]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** Sizes of `bytes`: raw, gzip -9, brotli 11. */
export function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

/** Every file under `dir`, as paths relative to it. */
export function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith(".")) continue; // Trunk's staging directory
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = process.argv[2] ?? "dist";
  const n = (v) => v.toLocaleString("en").padStart(11);
  console.log(`${"file".padEnd(40)} ${"raw".padStart(11)} ${"gzip -9".padStart(11)} ${"brotli 11".padStart(11)}`);
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files(dist)) {
    const s = sizes(readFileSync(join(dist, file)));
    for (const k of Object.keys(total)) total[k] += s[k];
    console.log(`${file.padEnd(40)} ${n(s.raw)} ${n(s.gzip)} ${n(s.brotli)}`);
  }
  console.log(`${"all files".padEnd(40)} ${n(total.raw)} ${n(total.gzip)} ${n(total.brotli)}`);
}
