// Story: a trainee (or a script on the page) hammers the simulator for a long session: 10,000 random
// LunaCM lines, prompt answers, `sim` lines, iKeys in and out, taps and nonsense (the seeded generator of
// e2e/lib/soak.mjs, the same as core/tests/soak.rs), most through `window.luna`, some typed and tapped
// through the page. Then a reload. Nothing errs on the console or the page, every line is answered, the
// world saved before the reload is the world after it, and memory stays flat.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openApp, setup, storedFiles, waitForPrompt } from "./lib/harness.mjs";
import { memory, mb } from "./lib/memory.mjs";
import { generator, rng } from "./lib/soak.mjs";

const KEY = "luna-usb-hsm7-sim/world";
const LINES = Number(process.env.SOAK_LINES ?? 10_000);
const BATCH = 250;

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

/** Runs `lines` through window.luna in the page, one after the other; returns lines that failed or hung. */
function runBatch(page, lines) {
  return page.evaluate(async (lines) => {
    const failed = [];
    for (const line of lines) {
      // A line whose answer never comes would hang the session: give up on it after 30 s, and say so.
      let timer;
      const hung = new Promise((ok) => (timer = setTimeout(() => ok("no answer in 30 s"), 30_000)));
      const outcome = await Promise.race([window.luna.run(line).then(() => null, (e) => String(e)), hung]);
      clearTimeout(timer);
      if (outcome) failed.push({ line, outcome });
    }
    return failed;
  }, lines);
}

/**
 * A saved world (JSON text) without what opening a LunaCM session changes: each unit's count of host
 * sessions (returned apart, in order) and the stored-data tags over the units (`sdi`).
 */
function withoutSessionCount(text) {
  const world = JSON.parse(text);
  const sessions = [];
  const walk = (value) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== "object") return;
    // A unit's audit log: its store of records, their capacity, and the session count.
    if ("store" in value && "capacity" in value && "session" in value) {
      sessions.push(value.session);
      delete value.session;
    }
    Object.values(value).forEach(walk);
  };
  walk(world);
  delete world.sdi;
  return { world, sessions };
}

/** The saved world and host files, once two reads a moment apart agree (the files are written after the line). */
async function settledSave(page) {
  let last = null;
  for (let i = 0; i < 50; i++) {
    const now = JSON.stringify({ world: await page.evaluate((k) => localStorage.getItem(k), KEY), files: await storedFiles(page) });
    if (now === last) return JSON.parse(now);
    last = now;
    await page.waitForTimeout(200);
  }
  throw new Error("the saved world kept changing with no line running");
}

test("10,000 random lines, typed keys and taps, then a reload: no error, the same world, flat memory", async () => {
  const started = Date.now();
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const consoleErrors = [];
  // The context's console events include the worker's (a panic there prints through console.error).
  context.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  const page = await openApp(env, context);
  const cdp = await context.newCDPSession(page);
  const email = await page.evaluate(() => window.luna.run("sim email"));
  const rus = /Random User String:\s+(\S+)/.exec(email)?.[1];
  assert.ok(rus, email);

  const gen = generator(1);
  const pick = rng(2);
  const failed = [];
  let typed = 0;
  let tapped = 0;
  let afterFirstThousand;
  const batchMs = [];
  for (let done = 0; done < LINES; done += BATCH) {
    const lines = Array.from({ length: Math.min(BATCH, LINES - done) }, () => gen.next(rus));
    const t0 = Date.now();
    failed.push(...(await runBatch(page, lines)));
    batchMs.push(Date.now() - t0);
    // Through the page as a user does it: a button of the touchscreen, when it shows any, and a line
    // typed key by key. `luna.run` afterwards answers once both are handled (lines are run in order).
    const buttons = page.getByTestId("hsm-screen").getByRole("button");
    const count = await buttons.count();
    if (count > 0) {
      await buttons.nth(pick.below(count)).click();
      tapped++;
    }
    const input = page.getByTestId("lunacm-input");
    if (await input.isEnabled()) {
      await input.pressSequentially(pick.below(2) ? "slot list" : "sim screen");
      await input.press("Enter");
      typed++;
    }
    failed.push(...(await runBatch(page, ["sim clock"])));
    // The reference: after the first 1,000 lines (or all of them, in a shorter run).
    if (!afterFirstThousand && done + BATCH >= Math.min(1_000, LINES)) afterFirstThousand = await memory(page, cdp);
  }
  const afterAll = await memory(page, cdp);
  const transcriptLength = await page.evaluate(() => window.luna.transcript().length);
  assert.deepEqual(failed, [], "every line was run and answered");

  const before = await settledSave(page);
  await page.reload();
  await waitForPrompt(page);
  const reloaded = await settledSave(page);
  // The reload opens a new LunaCM session, which each unit's audit log counts (the "who" of its next
  // records), and the stored-data tag covers that count: the world is otherwise the one saved.
  const [was, now] = [withoutSessionCount(before.world), withoutSessionCount(reloaded.world)];
  assert.deepEqual(now.world, was.world, "the world after the reload is the one saved");
  assert.deepEqual(
    now.sessions,
    was.sessions.map((n) => n + 1),
    "each unit's audit log counts one more host session: the reload's",
  );
  assert.deepEqual(reloaded.files, before.files, "the host files after the reload are the ones saved");
  // The world still answers after all that.
  assert.match(await page.evaluate(() => window.luna.run("slot list")), /lunacm:>$/);

  assert.deepEqual(page.errors.map(String), [], "no uncaught error on the page");
  assert.deepEqual(consoleErrors, [], "no error on the console (a panic in the worker prints one)");
  // Flat memory: the transcript, the history and the host files are bounded, so after the first 1,000
  // lines (the app warmed up, the transcript near its scrollback) the heap may move with the garbage
  // collector's timing but not grow with the line count: under twice what it was is flat; growth with
  // the lines would be ten times as much at 10,000.
  assert.ok(
    afterAll.heap < 2 * afterFirstThousand.heap,
    `JS heap ${mb(afterFirstThousand.heap)} after ${Math.min(1_000, LINES)} lines, ${mb(afterAll.heap)} after ${LINES}`,
  );
  assert.ok(
    afterAll.workerWasm < 2 * afterFirstThousand.workerWasm,
    `worker wasm ${mb(afterFirstThousand.workerWasm)} after ${Math.min(1_000, LINES)} lines, ${mb(afterAll.workerWasm)} after ${LINES}`,
  );
  console.log(
    `soak: ${LINES} lines (${typed} typed, ${tapped} taps) in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `after ${Math.min(1_000, LINES)} lines: heap ${mb(afterFirstThousand.heap)}, page wasm ${mb(afterFirstThousand.pageWasm)}, worker wasm ${mb(afterFirstThousand.workerWasm)}; ` +
      `after ${LINES}: heap ${mb(afterAll.heap)}, page wasm ${mb(afterAll.pageWasm)}, worker wasm ${mb(afterAll.workerWasm)}; ` +
      `ms per ${BATCH} lines: ${batchMs.join(" ")}; transcript ${transcriptLength} characters; saved world ${before.world.length} characters, ${Object.keys(before.files).length} host files`,
  );
  await context.close();
});
