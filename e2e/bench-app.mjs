// The benchmark's browser half, in headless Chromium against the release build: first-visit downloads,
// cold and warm loads, Enter-to-output for the representative lines of e2e/lib/bench-lines.json on the
// fresh and the big world (beside the same lines natively), main-thread long tasks during the heavy
// moments, and the scrollback's cost. A report, not a test: it prints figures and asserts nothing.
// Usage: node e2e/bench-app.mjs DIR [runs] — DIR holds fresh.json, big.json and native.json from
// `cargo run --release -p hsm-core --example bench_lines -- e2e/lib/bench-lines.json --out DIR`.
// BASE_URL, or it serves dist/ itself.
import { readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sizes } from "./bench-size.mjs";
import { appUrl, launch } from "./lib/harness.mjs";
import { timeLine } from "./lib/timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2];
const RUNS = Number(process.argv[3] ?? 30);
const LOADS = 5;
const scenario = JSON.parse(readFileSync(join(here, "lib", "bench-lines.json"), "utf8"));
const native = JSON.parse(readFileSync(join(dir, "native.json"), "utf8"));
const worldFile = (name) => readFileSync(join(dir, `${name}.json`));

const server = await appUrl();
const browser = await launch();

// ---- helpers -------------------------------------------------------------------------------------

const sorted = (values) => [...values].sort((a, b) => a - b);
const quantile = (values, q) => {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (values) => quantile(values, 0.5);
const ms = (v) => (v == null ? "n/a" : v < 10 ? v.toFixed(2) : v.toFixed(0));
const pad = (text, width) => String(text).padEnd(width);
const lpad = (text, width) => String(text).padStart(width);

/** A context whose pages record every main-thread long task ([start, duration]) from their start. */
async function newContext() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__longTasks.push([e.startTime, e.duration]))).observe({
      type: "longtask",
      buffered: true,
    });
  });
  return context;
}

/** Waits until the terminal accepts a line (its input enabled, the transcript at `lunacm:>`); returns performance.now() then. */
function accepting(page) {
  return page
    .waitForFunction(
      () => {
        const input = document.querySelector('[data-testid="lunacm-input"]');
        const out = document.querySelector('[data-testid="lunacm-output"]');
        return input && !input.disabled && out?.textContent.trimEnd().endsWith("lunacm:>") && performance.now();
      },
      null,
      { polling: "raf", timeout: 30_000 },
    )
    .then((handle) => handle.jsonValue());
}

/** A page on the app, ready for a line. */
async function open(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  await page.goto(server.url);
  await accepting(page);
  return page;
}

const now = (page) => page.evaluate(() => performance.now());
const run = (page, line) => page.evaluate((line) => window.luna.run(line), line);
async function runAll(page, lines) {
  for (const line of lines) await run(page, line);
}

/** Long tasks of `page` between two of its performance.now() readings: count, longest, total. */
async function longTasks(page, from, to) {
  const tasks = (await page.evaluate(() => window.__longTasks)).filter(([start]) => start >= from && start <= to);
  const durations = tasks.map(([, d]) => d);
  return { count: durations.length, longest: durations.length ? Math.max(...durations) : 0, spanMs: to - from };
}

/**
 * Puts the world file `name` in the page, ready to be chosen: done apart because Playwright's own
 * `setInputFiles` builds a 3 MB file inside the page from base64, a long task of its own (about 160 ms
 * of the 496 ms first measured here as the import's) that is no part of the app's.
 */
async function stageWorld(page, name) {
  await page.evaluate(({ name, text }) => (window.__world = new File([text], `${name}.json`, { type: "application/json" })), {
    name,
    text: worldFile(name).toString("utf8"),
  });
}

/** Imports the staged world file through the page's "Import world…" file chooser, as a user's pick; returns when it is in. */
async function importWorld(page) {
  await page.evaluate(() => {
    const input = document.querySelector('[data-testid="world-import-file"]');
    const chosen = new DataTransfer();
    chosen.items.add(window.__world);
    input.files = chosen.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  await page.getByTestId("world-import-dialog").waitFor();
  await page.getByTestId("world-import-confirm").click();
  await page.getByTestId("notice").filter({ hasText: "Imported" }).waitFor({ timeout: 120_000 });
  await accepting(page);
}

// ---- first visit: what is downloaded -------------------------------------------------------------

/** A proxy in front of the app's server that counts the bytes of every response, by path. */
async function countingProxy(target) {
  const counts = new Map();
  const upstream = new URL(target);
  const proxy = createServer((req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        let bytes = 0;
        up.on("data", (chunk) => {
          bytes += chunk.length;
          res.write(chunk);
        });
        up.on("end", () => {
          const path = new URL(req.url, "http://x").pathname;
          const seen = counts.get(path) ?? { times: 0, full: 0, bytes: 0 };
          const full = up.statusCode === 200 ? 1 : 0;
          counts.set(path, { times: seen.times + 1, full: seen.full + full, bytes: seen.bytes + bytes });
          res.end();
        });
      },
    );
    req.pipe(forward);
  });
  await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${proxy.address().port}/`, counts, close: () => new Promise((ok) => proxy.close(ok)) };
}

async function firstVisit() {
  const proxy = await countingProxy(server.url);
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(proxy.url);
  await accepting(page);
  // The service worker caches every built file on its first visit: wait until it is active, its cache full.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    while (!registration.active || registration.active.state !== "activated") await new Promise((ok) => setTimeout(ok, 50));
  });
  await page.waitForTimeout(500);
  await context.close();
  await proxy.close();
  return proxy.counts;
}

// ---- main ----------------------------------------------------------------------------------------

try {
  const chromium = browser.version();
  console.log(`Chromium ${chromium}, headless; ${RUNS} runs per line; ${LOADS} loads each`);

  // First visit.
  const counts = await firstVisit();
  console.log(
    "\n== first visit: every response, by path, as served (the test server does not compress; a 304 has no body),\n" +
      "   and what the same responses would weigh from a server sending gzip -9 or brotli 11",
  );
  const dist = join(here, "..", "dist");
  const total = { raw: 0, gzip: 0, brotli: 0, served: 0 };
  const n = (v) => lpad(v.toLocaleString("en"), 11);
  console.log(`${pad("path", 40)} ${lpad("times", 5)} ${lpad("200s", 4)} ${lpad("served", 11)} ${lpad("gzip", 11)} ${lpad("brotli", 11)}`);
  for (const [path, { times, full, bytes }] of [...counts].sort((a, b) => b[1].bytes - a[1].bytes)) {
    const file = path === "/" ? "index.html" : decodeURIComponent(path.slice(1));
    const s = sizes(readFileSync(join(dist, file)));
    total.served += bytes;
    for (const k of ["raw", "gzip", "brotli"]) total[k] += s[k] * full;
    console.log(`${pad(path, 40)} ${lpad(times, 5)} ${lpad(full, 4)} ${n(bytes)} ${n(s.gzip * full)} ${n(s.brotli * full)}`);
  }
  console.log(`${pad("total", 40)} ${lpad("", 5)} ${lpad("", 4)} ${n(total.served)} ${n(total.gzip)} ${n(total.brotli)}`);

  // Cold loads: a new context each (empty cache and storage); warm: a reload in one context whose
  // service worker is active and whose cache is full.
  console.log("\n== loads: navigation start to a terminal that accepts a line");
  const cold = [];
  const coldTasks = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    const at = await accepting(page);
    cold.push(at);
    coldTasks.push(await longTasks(page, 0, at));
    await context.close();
  }
  const warmContext = await newContext();
  const warmPage = await open(warmContext);
  await warmPage.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    while (registration.active?.state !== "activated") await new Promise((ok) => setTimeout(ok, 50));
  });
  await warmPage.waitForTimeout(500);
  const warm = [];
  for (let i = 0; i < LOADS; i++) {
    await warmPage.reload();
    warm.push(await accepting(warmPage));
  }
  const controlled = await warmPage.evaluate(() => Boolean(navigator.serviceWorker.controller));
  await warmContext.close();
  console.log(`cold (new context): median ${ms(median(cold))} ms; all ${cold.map(ms).join(", ")}`);
  console.log(`warm (reload, service worker ${controlled ? "in control" : "NOT in control"}): median ${ms(median(warm))} ms; all ${warm.map(ms).join(", ")}`);

  // Lines, on each world: the world imported, then each line in a new session (a reload) after its
  // untimed `before` lines, so that the transcript starts short for every line.
  const phases = [];
  phases.push({ name: "cold load (the longest of " + LOADS + ")", ...coldTasks.sort((a, b) => b.longest - a.longest)[0] });
  const lineFigures = {};
  for (const world of ["fresh", "big"]) {
    const context = await newContext();
    const page = await open(context);
    await stageWorld(page, world);
    const t0 = await now(page);
    await importWorld(page);
    const t1 = await now(page);
    phases.push({ name: `importing the ${world} world (read, checked, saved)`, ...(await longTasks(page, t0, t1)) });
    if (world === "big") {
      // Saving the big world after a change: every line that changes it saves it.
      const s0 = await now(page);
      await runAll(page, ["role login -name au -password audpass1", ...Array.from({ length: 10 }, (_, i) => `audit logmsg message "bench ${i}"`), "role logout"]);
      const s1 = await now(page);
      phases.push({ name: "12 changing lines in the big world (each saved)", ...(await longTasks(page, s0, s1)) });
      const e0 = await now(page);
      await Promise.all([page.waitForEvent("download"), page.getByTestId("world-export").click()]);
      const e1 = await now(page);
      phases.push({ name: "exporting the big world (Export world)", ...(await longTasks(page, e0, e1)) });
    }
    lineFigures[world] = [];
    for (const group of scenario.lines) {
      await page.reload();
      await accepting(page);
      await runAll(page, group.before ?? []);
      const samples = await timeLine(page, group.line, RUNS);
      lineFigures[world].push({ line: group.line, dom: samples.map((s) => s.dom), frame: samples.map((s) => s.frame) });
    }
    if (page.errors.length) console.log(`page errors (${world}): ${page.errors.join("; ")}`);
    await context.close();
  }

  console.log(`\n== Enter to output, ms (${RUNS} runs a line; p99 of ${RUNS} runs is about their slowest); native: one World::enter`);
  console.log(
    `${pad("line", 40)} ${lpad("fresh DOM p50", 13)} ${lpad("frame p50", 9)} ${lpad("frame p99", 9)} ${lpad("big DOM p50", 11)} ${lpad("frame p50", 9)} ${lpad("frame p99", 9)} ${lpad("native p50 fresh/big", 21)} ${lpad("DOM / native", 12)}`,
  );
  const rows = [];
  scenario.lines.forEach((group, i) => {
    const f = lineFigures.fresh[i];
    const b = lineFigures.big[i];
    const nf = native.fresh[i].p50;
    const nb = native.big[i].p50;
    const row = {
      line: group.line,
      freshDom: median(f.dom),
      freshFrame: median(f.frame),
      freshP99: quantile(f.frame, 0.99),
      freshDomP99: quantile(f.dom, 0.99),
      bigDom: median(b.dom),
      bigFrame: median(b.frame),
      bigP99: quantile(b.frame, 0.99),
      bigDomP99: quantile(b.dom, 0.99),
      nativeFresh: nf,
      nativeBig: nb,
    };
    rows.push(row);
    console.log(
      `${pad(group.line.slice(0, 40), 40)} ${lpad(ms(row.freshDom), 13)} ${lpad(ms(row.freshFrame), 9)} ${lpad(ms(row.freshP99), 9)} ${lpad(ms(row.bigDom), 11)} ${lpad(ms(row.bigFrame), 9)} ${lpad(ms(row.bigP99), 9)} ${lpad(`${nf.toFixed(3)}/${nb.toFixed(3)}`, 21)} ${lpad(`${(row.freshDom / nf).toFixed(0)}x/${(row.bigDom / nb).toFixed(0)}x`, 12)}`,
    );
  });
  const over = rows.filter((r) => r.freshP99 > 16 || r.bigP99 > 16).map((r) => r.line);
  const overDom = rows.filter((r) => r.freshDomP99 > 16 || r.bigDomP99 > 16).map((r) => r.line);
  console.log(`lines whose p99 to the next frame is over 16 ms: ${over.length ? over.join("; ") : "none"}`);
  console.log(`lines whose p99 to the DOM is over 16 ms: ${overDom.length ? overDom.join("; ") : "none"}`);

  // Long tasks during the heavy moments.
  {
    const context = await newContext();
    const page = await open(context);
    // The iKey ceremony, whole, on a new unit out of transport mode.
    const rus = /Random User String:\s+(\S+)/.exec(await run(page, "sim email"))[1];
    await runAll(page, [`stm recover -randomuserstring ${rus}`, "proceed"]);
    let t0 = await now(page);
    await runAll(page, scenario.ceremony);
    let t1 = await now(page);
    phases.push({ name: `iKey ceremony: init 1 of 1, SO login (${scenario.ceremony.length} lines)`, ...(await longTasks(page, t0, t1)) });
    await context.close();
  }
  {
    const context = await newContext();
    const page = await open(context);
    await stageWorld(page, "fresh");
    await importWorld(page);
    for (const [name, line] of Object.entries(scenario.keygen)) {
      const t0 = await now(page);
      const [sample] = await timeLine(page, line, 1);
      const t1 = await now(page);
      phases.push({
        name: `${name.toUpperCase().replace("RSA", "RSA-")} key pair (Enter to output ${ms(sample.dom)} ms; native ${ms(native.keygen[name])} ms)`,
        ...(await longTasks(page, t0, t1)),
      });
    }
    await context.close();
  }
  {
    // A lab: started in the labs panel, then its steps' solutions; every line re-judges its checks.
    const context = await newContext();
    const page = await open(context);
    const t0 = await now(page);
    await page.getByTestId("lab-start-partition-and-crypto-officer").click();
    await page.getByTestId("lab-start-confirm").click();
    await page.getByTestId("lab-run").waitFor();
    await accepting(page);
    await runAll(page, [
      "role login -name so -password userpin1", "partition create", "slot list",
      "slot set -slot 3", "partition init -label par1", "popin123", "popin123", "pdomain1", "pdomain1", "proceed",
      "role login -name po -password popin123", "role init -name co", "copin123", "copin123", "role show -name co",
      "role logout", "role login -name co -password copin123", "partition contents", "role changepw -name co",
      "copin123", "copin456", "copin456", "proceed", "partition contents",
    ]);
    const t1 = await now(page);
    phases.push({ name: "a lab started in the labs panel and its 4 steps' solutions (24 lines)", ...(await longTasks(page, t0, t1)) });

    // The scrollback: once the transcript holds its 200,000 characters, every line costs more.
    const chars = await page.evaluate(async () => {
      for (let i = 0; i < 5000 && window.luna.transcript().length < 195_000; i++) await window.luna.run("help");
      return window.luna.transcript().length;
    });
    const s0 = await now(page);
    const samples = await timeLine(page, "slot list", RUNS);
    const s1 = await now(page);
    phases.push({ name: `${RUNS} x slot list with a full scrollback (${chars} characters)`, ...(await longTasks(page, s0, s1)) });
    console.log(
      `\n== slot list with a full scrollback (${chars} characters): DOM p50 ${ms(median(samples.map((s) => s.dom)))} ms, p99 ${ms(quantile(samples.map((s) => s.dom), 0.99))}; frame p50 ${ms(median(samples.map((s) => s.frame)))} ms, p99 ${ms(quantile(samples.map((s) => s.frame), 0.99))}`,
    );
    await context.close();
  }

  console.log("\n== main-thread long tasks (over 50 ms, PerformanceObserver 'longtask')");
  console.log(`${pad("during", 78)} ${lpad("span ms", 8)} ${lpad("tasks", 6)} ${lpad("longest ms", 11)}`);
  for (const p of phases) console.log(`${pad(p.name, 78)} ${lpad(ms(p.spanMs), 8)} ${lpad(p.count, 6)} ${lpad(ms(p.longest), 11)}`);
} finally {
  await browser.close();
  await server.close();
}
