// Story: the simulator is open in two tabs. A change in one shows in the other, and the other never
// silently overwrites it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  dragToPort,
  ikey,
  openApp,
  recoverFromStm,
  run,
  screenText,
  screenshot,
  setup,
  sticker,
  transcript,
  waitForKeyPlace,
  writeSticker,
} from "./lib/harness.mjs";

const KEY = "luna-usb-hsm7-sim/world";
let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const saved = (page) => page.evaluate((key) => localStorage.getItem(key), KEY);
const revisionOf = (raw) => JSON.parse(raw).revision;

test("a command in one tab shows in the other, which then works on the new state", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const first = await openApp(env, context);
  const second = await openApp(env, context);
  // Both tabs show the same unit (the first tab saved it when it made it).
  assert.equal(await saved(first), await saved(second));

  await recoverFromStm(first);

  // The second tab follows: a visible notice, the touchscreen without Transport Mode.
  const notice = second.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  await second.waitForFunction(
    () => !document.querySelector('[data-testid="hsm-screen"]').innerText.includes("Transport Mode"),
  );
  assert.match(await transcript(second), /lunacm:>$/);
  await screenshot(second, "06-second-tab-followed");

  const slots = await run(second, "slot list");
  assert.match(slots, /HSM Status ->[^\n]*Zeroized/);
  assert.doesNotMatch(slots, /Transport Mode/);

  // The second tab's command was saved on top of the first tab's change, not instead of it.
  const raw = await saved(first);
  assert.equal(raw, await saved(second));
  assert.ok(!JSON.parse(raw).hsm.stm, "storage still has the unit out of Transport Mode");

  // A half-typed password in the second tab is dropped, not unmasked, when the first tab's change
  // restarts its LunaCM.
  await run(second, "hsm init -label twoTabs -ipwd");
  const input = second.getByTestId("lunacm-input");
  assert.equal(await input.getAttribute("type"), "password");
  await input.fill("half-typed");
  await run(first, "slot list");
  await second.waitForFunction(
    () => document.querySelector('[data-testid="lunacm-input"]').type === "text",
  );
  assert.equal(await input.inputValue(), "");
  assert.match(await transcript(second), /lunacm:>$/);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
  await context.close();
});

test("a tab that missed another tab's change reloads instead of overwriting it", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const stale = await openApp(env, context);
  // Another tab's change that this tab never heard of (a lost or late storage event): made in a tab of
  // another profile, then written here by this page itself, which browsers do not report to it.
  const other = await openApp(env);
  await recoverFromStm(other);
  const newer = await saved(other);
  await stale.evaluate(([key, value]) => localStorage.setItem(key, value), [KEY, newer]);
  assert.match(await screenText(stale), /Transport Mode/, "the stale tab did not hear of it");

  // The stale tab gets a command: it must not run it on its old state and save over the newer one.
  const before = await transcript(stale);
  const input = stale.getByTestId("lunacm-input");
  await input.fill("slot list");
  await input.press("Enter");
  const notice = stale.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  assert.match(await notice.innerText(), /not run/i);
  assert.equal(await saved(stale), newer, "storage keeps the other tab's state");
  const added = (await transcript(stale)).slice(before.length);
  assert.ok(!added.startsWith("slot list"), "the line was not echoed as run");
  assert.doesNotMatch(added, /Command Result/, "the line was not run");
  assert.doesNotMatch(await screenText(stale), /Transport Mode/, "it shows the newer state");
  assert.match(await transcript(stale), /lunacm:>$/);
  await screenshot(stale, "06-stale-tab-reloaded");

  // Entered again, the line runs on the newer state and is saved on top of it.
  const slots = await run(stale, "slot list");
  assert.match(slots, /HSM Status ->[^\n]*Zeroized/);
  assert.doesNotMatch(slots, /Transport Mode/);
  assert.equal(revisionOf(await saved(stale)), revisionOf(newer) + 1);
  assert.deepEqual(stale.errors, []);
  await context.close();
});

test("iKeys follow between tabs, and a stale tab does not move a key over another tab's change", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const first = await openApp(env, context);
  const second = await openApp(env, context);

  // A key pushed into the port in one tab is in the port in the other.
  await dragToPort(first, 2);
  await waitForKeyPlace(second, 2, true);
  assert.equal(await saved(first), await saved(second));

  // A tab that missed a change (a sticker written in a tab of another profile) is given a key to move:
  // it reloads that state instead, and the key stays where it was.
  const stale = second;
  const other = await openApp(env);
  await writeSticker(other, 1, "blue", "HSM SO");
  const newer = await saved(other);
  await stale.evaluate(([key, value]) => localStorage.setItem(key, value), [KEY, newer]);
  await stale.getByTestId("notice-dismiss").click().catch(() => {});
  await ikey(stale, 3).focus();
  await stale.keyboard.press("Enter");
  const notice = stale.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  assert.match(await notice.innerText(), /not moved/i);
  assert.equal(await saved(stale), newer, "storage keeps the other tab's state");
  assert.equal(await ikey(stale, 3).getAttribute("data-in-port"), "false");
  assert.equal(await ikey(stale, 2).getAttribute("data-in-port"), "false", "the newer state has the port empty");
  assert.deepEqual(await sticker(stale, 1), { color: "blue", label: "HSM SO" });

  // Done again, the move is made on the newer state and saved on top of it.
  await stale.keyboard.press("Enter");
  await waitForKeyPlace(stale, 3, true);
  assert.equal(revisionOf(await saved(stale)), revisionOf(newer) + 1);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(stale.errors, []);
  await context.close();
});
