// Story: an instructor imports the SCORM 1.2 package (scripts/scorm.mjs) into an LMS; a trainee
// launches a lab from it. The LMS side is scorm-again's SCORM 1.2 runtime, an implementation apart from
// this project. The lab reports `incomplete` and its score as it goes, keeps its progress record in
// cmi.suspend_data, finishes when its frame is unloaded, resumes when relaunched with what the LMS kept,
// and reports `passed` and the score once done. The package's manifest lists one SCO per lab and only
// files the zip holds.
//
// The package is made from dist/ (built by trunk build --release) and served, extracted, with the LMS
// page by this spec's own server: BASE_URL is not used.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { enter, launch, screenshot, waitForAttribute, waitForPrompt } from "./lib/harness.mjs";
import { serve } from "./lib/server.mjs";
import { unzip } from "./lib/unzip.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const DIST = join(repo, "dist");
// Two short steps: `hsm zeroize`, then `hsm factoryreset` (labs/05-zeroize-vs-factory-reset.toml).
const LAB = "zeroize-vs-factory-reset";

let work, entries, manifest, server, browser;
before(async () => {
  work = await mkdtemp(join(tmpdir(), "luna-scorm-"));
  const zipPath = join(work, "package.zip");
  await promisify(execFile)(process.execPath, [join(repo, "scripts", "scorm.mjs"), "--dist", DIST, "--out", zipPath]);
  entries = unzip(await readFile(zipPath));
  // The LMS's site: its page and runtime, and the package extracted under sco/.
  const site = join(work, "lms");
  for (const [name, data] of entries) {
    await mkdir(dirname(join(site, "sco", name)), { recursive: true });
    await writeFile(join(site, "sco", name), data);
  }
  await copyFile(join(here, "lib", "lms.html"), join(site, "index.html"));
  await copyFile(join(here, "node_modules", "scorm-again", "dist", "scorm12.js"), join(site, "scorm12.js"));
  server = await serve(site);
  browser = await launch();
  const page = await browser.newPage();
  manifest = await readManifest(page, entries.get("imsmanifest.xml").toString("utf8"));
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The labs as labs/*.toml name them (read here apart from the packaging script). */
async function labFiles() {
  const out = [];
  for (const name of (await readdir(join(repo, "labs"))).filter((n) => n.endsWith(".toml")).sort()) {
    const text = await readFile(join(repo, "labs", name), "utf8");
    out.push({ id: text.match(/^id = "(.*)"$/m)[1], title: text.match(/^title = "(.*)"$/m)[1] });
  }
  return out;
}

/** The manifest read by the browser's XML parser: whether it is well-formed, and what it says. */
async function readManifest(page, text) {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) return { wellFormed: false };
    const ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2";
    const root = doc.documentElement;
    const all = (name) => [...doc.getElementsByTagNameNS(root.namespaceURI, name)];
    return {
      wellFormed: true,
      namespace: root.namespaceURI,
      adlcp: root.lookupNamespaceURI("adlcp"),
      schema: all("schema")[0]?.textContent,
      version: all("schemaversion")[0]?.textContent,
      items: all("item").map((i) => ({
        ref: i.getAttribute("identifierref"),
        title: [...i.children].find((c) => c.localName === "title")?.textContent,
      })),
      resources: all("resource").map((r) => ({
        id: r.getAttribute("identifier"),
        type: r.getAttributeNS(ADLCP, "scormtype"),
        href: r.getAttribute("href"),
        files: [...r.children].filter((c) => c.localName === "file").map((f) => f.getAttribute("href")),
        dependencies: [...r.children].filter((c) => c.localName === "dependency").map((d) => d.getAttribute("identifierref")),
      })),
    };
  }, text);
}

test("the package: a well-formed SCORM 1.2 manifest, one SCO per lab, every listed file in the zip", async () => {
  assert.equal(manifest.wellFormed, true);
  assert.equal(manifest.namespace, "http://www.imsproject.org/xsd/imscp_rootv1p1p2");
  assert.equal(manifest.adlcp, "http://www.adlnet.org/xsd/adlcp_rootv1p2");
  assert.equal(manifest.schema, "ADL SCORM");
  assert.equal(manifest.version, "1.2");

  const labs = await labFiles();
  assert.ok(labs.length >= 15);
  const scos = manifest.resources.filter((r) => r.type === "sco");
  assert.deepEqual(
    scos.map((r) => r.href),
    labs.map((l) => `index.html?lab=${l.id}`),
    "one SCO per lab, launching the app on it",
  );
  const byId = new Map(manifest.resources.map((r) => [r.id, r]));
  assert.equal(byId.size, manifest.resources.length, "resource identifiers are unique");
  assert.deepEqual(
    manifest.items.map((i) => [byId.get(i.ref)?.href, i.title]),
    labs.map((l) => [`index.html?lab=${l.id}`, l.title]),
    "one item per lab, titled as the lab",
  );
  for (const sco of scos) {
    for (const dep of sco.dependencies) assert.ok(byId.has(dep), `${sco.id} depends on a resource that exists`);
  }

  // Every file the manifest lists is in the zip, and every file of the zip but the manifest is listed.
  const listed = new Set(manifest.resources.flatMap((r) => r.files).map(decodeURI));
  for (const file of listed) assert.ok(entries.has(file), `${file} is listed and in the zip`);
  const packed = [...entries.keys()].filter((n) => n !== "imsmanifest.xml");
  assert.deepEqual(packed.filter((n) => !listed.has(n)), [], "every packed file is listed");
  // The packed files are dist/'s, byte for byte, but for the page's references to them, made relative
  // to run under whatever path the LMS serves the package from.
  assert.ok(packed.some((n) => /\.wasm$/.test(n)));
  for (const name of packed.filter((n) => !n.endsWith(".html"))) {
    assert.ok(entries.get(name).equals(await readFile(join(DIST, name))), name);
  }
  const page = entries.get("index.html").toString("utf8");
  const refs = (html, prefix) => packed.filter((f) => html.includes(`"${prefix}${f}"`) || html.includes(`'${prefix}${f}'`));
  assert.deepEqual(refs(page, "/"), [], "no reference from the site's root");
  assert.ok(refs(page, "./").some((f) => f.endsWith(".wasm")));
  const built = await readFile(join(DIST, "index.html"), "utf8");
  assert.equal(page.replaceAll(`"./`, `"/`).replaceAll(`'./`, `'/`), built.replaceAll(`"./`, `"/`).replaceAll(`'./`, `'/`));
});

/** The LMS page and, once launched, the SCO's frame. */
async function openLms(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(server.url);
  return page;
}

/** Launches the lab's SCO with `data` and waits for LunaCM in its frame; returns the frame. */
async function launchSco(page, href, data) {
  await page.evaluate(([href, data]) => window.launch(href, data), [href, data]);
  const element = await page.waitForSelector("#sco");
  let frame;
  await page.waitForFunction(() => document.getElementById("sco").contentWindow?.location.href.includes("lab="));
  frame = await element.contentFrame();
  await waitForPrompt(frame);
  return frame;
}

/** Waits until the runtime's CMI data satisfies `predicate` (run in the page, given the data). */
async function waitForCmi(page, predicate) {
  await page.waitForFunction(`(${predicate})(window.cmi())`, null, { timeout: 15_000 });
  return page.evaluate(() => window.cmi());
}

/** The frame is unloaded; waits for LMSFinish. Returns the calls of the session. */
async function closeSco(page) {
  await page.evaluate(() => window.closeSco());
  await page.waitForFunction(() => window.calls.some(([name]) => name === "LMSFinish"));
  return page.evaluate(() => window.calls);
}

test("a lab in an LMS: incomplete and scored as it goes, resumed from suspend_data, then passed", async () => {
  const href = manifest.resources.find((r) => r.href?.endsWith(`lab=${LAB}`)).href;
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await openLms(context);
  const learner = { core: { student_id: "t-001", student_name: "Trainee, Test" } };

  // First session: the SCO initializes and says the lab is under way.
  let sco = await launchSco(page, href, learner);
  let cmi = await waitForCmi(page, (c) => c.core.lesson_status === "incomplete");
  assert.equal(await page.evaluate(() => window.calls[0][0]), "LMSInitialize");
  // Launched on a lab, the app asks before replacing the world, as any link to a lab does.
  await sco.getByTestId("lab-start-confirm").click();
  await sco.getByTestId("lab-run").waitFor();
  await waitForPrompt(sco);
  assert.equal(await sco.getByTestId("lab-progress").innerText(), "Step 1 of 2");

  // The solution of step 1 is viewed, then typed: the step counts half.
  await sco.getByTestId("lab-solution").click();
  await sco.getByTestId("lab-solution-lines").waitFor();
  await enter(sco, "hsm zeroize");
  await enter(sco, "proceed");
  await waitForAttribute(sco, "lab-run", "data-step", "1");
  cmi = await waitForCmi(page, (c) => c.core.score.raw === "25");
  assert.equal(cmi.core.lesson_status, "incomplete");
  assert.equal(cmi.core.score.min, "0");
  assert.equal(cmi.core.score.max, "100");
  assert.ok(cmi.suspend_data.length > 0 && cmi.suspend_data.length <= 4096, `suspend_data: ${cmi.suspend_data}`);
  // The progress record of labs/README.md, nothing of the world: the lab, 2 steps, 1 done, no hints,
  // the solution of step 1 viewed.
  assert.equal(cmi.suspend_data, `luna1;${LAB};2;1;0,0;10`);
  await screenshot(page, "27-scorm-lms-mid-lab");

  // The learner leaves: the frame is unloaded, the SCO finishes.
  let calls = await closeSco(page);
  const sets = (element) => calls.filter(([f, e]) => f === "LMSSetValue" && e === element).map(([, , v]) => v);
  assert.match(sets("cmi.core.session_time").at(-1), /^\d{4}:\d{2}:\d{2}\.\d{2}$/);
  assert.deepEqual(sets("cmi.core.exit"), ["suspend"]);
  assert.ok(calls.findIndex(([f]) => f === "LMSCommit") < calls.findIndex(([f]) => f === "LMSFinish"));
  cmi = await page.evaluate(() => window.cmi());
  const kept = cmi.suspend_data;

  // Second session, with what the LMS kept: the lab goes on at step 2, and the record comes back.
  sco = await launchSco(page, href, {
    core: { ...learner.core, lesson_status: cmi.core.lesson_status, score: cmi.core.score, entry: "resume" },
    suspend_data: kept,
  });
  await sco.getByTestId("lab-run").waitFor();
  await waitForAttribute(sco, "lab-run", "data-step", "1");
  assert.equal(await sco.getByTestId("lab-start-dialog").count(), 0, "no new start: the lab resumes");
  assert.equal(await sco.getByTestId("lab-progress").innerText(), "Step 2 of 2");
  await enter(sco, "hsm factoryreset");
  await enter(sco, "proceed");
  await sco.getByTestId("lab-done").waitFor();
  // Step 1 half (its solution was viewed in the first session, known only from suspend_data), step 2
  // whole: 75 of 100.
  cmi = await waitForCmi(page, (c) => c.core.lesson_status === "passed");
  assert.equal(cmi.core.score.raw, "75");
  assert.ok(cmi.suspend_data.length <= 4096);
  await screenshot(page, "27-scorm-lms-passed");
  calls = await closeSco(page);
  assert.deepEqual(
    calls.filter(([f, e]) => f === "LMSSetValue" && e === "cmi.core.exit").map(([, , v]) => v),
    [""],
    "a finished lab is not suspended",
  );
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("without an LMS the lab's page is the app as ever, and an LMS's record is not lowered", async () => {
  const href = manifest.resources.find((r) => r.href?.endsWith(`lab=${LAB}`)).href;

  // No API anywhere: the SCO opened on its own is the app, asking to start the lab.
  const alone = await browser.newContext();
  const page = await alone.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(`${server.url}sco/${href}`);
  await waitForPrompt(page);
  assert.equal(await page.evaluate(() => typeof window.API), "undefined");
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  assert.deepEqual(page.errors, []);
  await alone.close();

  // In a browser holding no run of the lab, a relaunch of a passed lab starts it again, and the LMS
  // keeps its passed status and score.
  const context = await browser.newContext();
  const lms = await openLms(context);
  const sco = await launchSco(lms, href, {
    core: { student_id: "t-001", lesson_status: "passed", score: { raw: "75", min: "0", max: "100" } },
    suspend_data: `luna1;${LAB};2;2;0,0;10`,
  });
  await sco.getByTestId("lab-start-confirm").click();
  await sco.getByTestId("lab-run").waitFor();
  await waitForPrompt(sco);
  await enter(sco, "hsm zeroize");
  await enter(sco, "proceed");
  await waitForAttribute(sco, "lab-run", "data-step", "1");
  const calls = await closeSco(lms);
  const cmi = await lms.evaluate(() => window.cmi());
  assert.equal(cmi.core.lesson_status, "passed");
  assert.equal(cmi.core.score.raw, "75");
  assert.ok(calls.some(([f]) => f === "LMSInitialize"), "the SCO did talk to the LMS");
  assert.deepEqual(calls.filter(([f, e]) => f === "LMSSetValue" && /lesson_status|score/.test(e)), []);
  assert.deepEqual(lms.errors, []);
  await context.close();
});
