// Story: the simulator is open in two tabs. A change in one shows in the other, which keeps its own
// LunaCM session (its slot, its logins, a question it is asking) and never silently overwrites it; a
// command that changes nothing (slot list) writes nothing, so it does not disturb the other tab.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DOMAIN,
  SO_PASSWORD,
  dragToPort,
  ikey,
  initialize,
  login,
  openApp,
  recoverFromStm,
  run,
  runAnswering,
  screenText,
  screenshot,
  setup,
  sticker,
  transcript,
  waitForAttribute,
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
/** How many times LunaCM's banner is in a tab's transcript: once per (re)start. */
const banners = async (page) => (await transcript(page)).split("lunacm (64-bit)").length - 1;
/** Lets a storage event (if any) reach the other tabs of the context. */
const settle = (page) => page.waitForTimeout(400);

test("a command in one tab shows in the other, which keeps its LunaCM session and works on the new state", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const first = await openApp(env, context);
  const second = await openApp(env, context);
  // Both tabs show the same unit (the first tab saved it when it made it).
  assert.equal(await saved(first), await saved(second));

  await recoverFromStm(first);

  // The second tab follows: a visible notice, the touchscreen without Transport Mode, and no restart of
  // its LunaCM (one banner, the same prompt).
  const notice = second.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  assert.match(await notice.innerText(), /kept its LunaCM session/i);
  assert.match(await notice.innerText(), /no role was logged in here/i);
  await second.waitForFunction(
    () => !document.querySelector('[data-testid="hsm-screen"]').innerText.includes("Transport Mode"),
  );
  assert.match(await transcript(second), /lunacm:>$/);
  assert.equal(await banners(second), 1, "LunaCM did not restart");
  await screenshot(second, "06-second-tab-followed");

  const slots = await run(second, "slot list");
  assert.match(slots, /HSM Status ->[^\n]*Zeroized/);
  assert.doesNotMatch(slots, /Transport Mode/);

  // slot list changed nothing, so nothing was written: storage holds the first tab's change.
  const raw = await saved(first);
  assert.equal(raw, await saved(second));
  assert.ok(!JSON.parse(raw).hsm.stm, "storage still has the unit out of Transport Mode");

  // A question the second tab is asking survives the first tab's changes, half-typed password included.
  await run(second, "hsm init -label twoTabs -ipwd");
  const input = second.getByTestId("lunacm-input");
  assert.equal(await input.getAttribute("type"), "password");
  await input.fill("half-typed");
  await second.getByTestId("notice-dismiss").click();
  await run(first, "slot list");
  await settle(second);
  assert.equal(await second.getByTestId("notice").count(), 0, "slot list in the first tab is not a change");
  await first.getByTestId("ikey-add").click();
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  assert.equal(await input.getAttribute("type"), "password", "the password prompt is still there");
  assert.equal(await input.inputValue(), "half-typed", "and so is what was typed at it");
  assert.match(await transcript(second), /Enter password for SO: $/);
  assert.equal(await banners(second), 1);

  // Answered, the question runs on the newer state, which the first tab then follows.
  const out = await runAnswering(second, SO_PASSWORD, (prompt, masked) => {
    if (/domain/i.test(prompt)) return DOMAIN;
    if (/proceed/i.test(prompt)) return "proceed";
    return masked ? SO_PASSWORD : undefined;
  });
  assert.match(out, /Command Result : No Error\s*lunacm:>$/);
  const stored = JSON.parse(await saved(second));
  assert.equal(stored.tray.keys.length, 9, "the iKey the first tab added is still there");
  await first.waitForFunction(() => document.querySelector('[data-testid="hsm-screen"]').innerText.includes("twoTabs"));
  assert.equal(await banners(first), 1);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(second.errors, []);
  await context.close();
});

test("a second tab stays logged in while the first tab runs slot list, and hears when a change logs it out", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const first = await openApp(env, context);
  await recoverFromStm(first);
  await initialize(first, "twoTabs");
  const second = await openApp(env, context);

  assert.match(await login(second, "so", SO_PASSWORD), /Command Result : No Error/);
  assert.match(await run(second, "hsm showinfo"), /SO logged in/);
  await waitForAttribute(second, "admin-role", "data-role", "so");
  await settle(second);
  // (The second tab opened after the first tab's changes: it has nothing to be told.)
  assert.equal(await second.getByTestId("notice").count(), 0);
  const before = await saved(first);

  // slot list writes nothing: storage is untouched and the second tab hears of nothing.
  assert.match(await run(first, "slot list"), /twoTabs/);
  await settle(second);
  assert.equal(await saved(first), before, "slot list did not write");
  assert.equal(await second.getByTestId("notice").count(), 0, "the second tab shows no notice");
  assert.match(await run(second, "hsm showinfo"), /SO logged in/);
  assert.equal(await second.getByTestId("admin-role").getAttribute("data-role"), "so");

  // A real change in the first tab: the second tab takes it over and says its login survived.
  await first.getByTestId("ikey-add").click();
  const notice = second.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /login survived: HSM SO \(slot 4\) is still logged in/);
  assert.match(await run(second, "hsm showinfo"), /SO logged in/);
  assert.equal(await banners(second), 1, "LunaCM did not restart");
  await screenshot(second, "06-login-survived");

  // A change that logs every role out (the first tab's HSM SO zeroizes the HSM) ends it, and says so.
  await second.getByTestId("notice-dismiss").click();
  assert.match(await login(first, "so", SO_PASSWORD), /Command Result : No Error/);
  const zeroize = await runAnswering(first, "hsm zeroize", (prompt) => (/proceed/i.test(prompt) ? "proceed" : undefined));
  assert.match(zeroize, /Command Result : No Error/);
  await notice.waitFor();
  await second.waitForFunction(() => /ended this tab's login/.test(document.querySelector('[data-testid="notice"]')?.innerText ?? ""));
  assert.match(await notice.innerText(), /HSM SO \(slot 4\) is logged out/);
  await waitForAttribute(second, "admin-role", "data-role", "");
  assert.doesNotMatch(await run(second, "hsm showinfo"), /SO logged in/);
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
  await input.fill("sim ikey new");
  await input.press("Enter");
  const notice = stale.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /another tab/i);
  assert.match(await notice.innerText(), /not run/i);
  assert.equal(await saved(stale), newer, "storage keeps the other tab's state");
  assert.equal(await transcript(stale), before, "the line was not run, and LunaCM did not restart");
  assert.equal(await input.inputValue(), "sim ikey new", "the line is back in the input");
  assert.doesNotMatch(await screenText(stale), /Transport Mode/, "it shows the newer state");
  await screenshot(stale, "06-stale-tab-reloaded");

  // Entered again, the line runs on the newer state and is saved on top of it.
  await input.press("Enter");
  await stale.waitForFunction((length) => document.querySelector('[data-testid="lunacm-output"]').textContent.length !== length, before.length);
  const after = JSON.parse(await saved(stale));
  assert.equal(after.revision, revisionOf(newer) + 1);
  assert.ok(!after.hsm.stm, "saved on top of the other tab's change");
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
