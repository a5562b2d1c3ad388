// Story: a new user initializes the unit for multifactor quorum authentication (hsm init -iped) with a
// 2 of 3 blue HSM SO keyset, the first key with a PIN, and a 1 of 1 red domain key, working the
// touchscreen and moving iKeys between the tray and the iKey port; then logs in as SO with two of the
// three blue keys.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  dragOffPort,
  dragToPort,
  enter,
  ikey,
  keypad,
  openApp,
  recoverFromStm,
  run,
  screenButton,
  screenText,
  screenshot,
  setup,
  tap,
  touchDragOffPort,
  touchDragToPort,
  transcript,
  waitForKeyPlace,
  waitForOutput,
  waitForPrompt,
  waitForScreen,
  writeSticker,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const PIN = "1234";

test("hsm init -iped with a 2 of 3 SO keyset and a domain key, then an SO login with two iKeys", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);

  // ---- hsm init -iped: LunaCM hands over to the touchscreen ----
  const ask = await run(page, "hsm init -label pedHSM -iped");
  assert.match(ask, /Type 'proceed' to continue/);
  const start = (await transcript(page)).length;
  const proceeded = await enter(page, "proceed");
  assert.match(proceeded, /Please attend to the PED\./);
  assert.doesNotMatch(proceeded, /lunacm:>/, "LunaCM waits for the PED, with no prompt");
  const input = page.getByTestId("lunacm-input");
  assert.match(await input.getAttribute("placeholder"), /Waiting for the PED/);

  // Stage 1 and 2: a new keyset, M = 2, N = 3, on the keypad.
  await waitForScreen(page, /Reuse an existing keyset, or create a new one\?/);
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "Clear", "Enter", "Cancel"]) {
    const button = screenButton(page, key);
    assert.equal(await button.count(), 1, `the touchscreen shows a "${key}" button`);
    assert.ok(await button.isEnabled(), `"${key}" can be tapped`);
  }
  await keypad(page, "27");
  await waitForScreen(page, /27/);
  await tap(page, "Clear");
  await keypad(page, "2");
  await page.waitForFunction(() => document.querySelector('[data-testid="screen-entry"]')?.innerText === "2");
  await screenshot(page, "09-touchscreen-m-entry");
  await tap(page, "Enter");
  await waitForScreen(page, /M = 2\. N: splits to create/);
  await keypad(page, "3");
  await screenshot(page, "09-touchscreen-n-entry");
  await tap(page, "Enter");

  // Stage 3 and 4 for split 1: dragged in with the mouse, a PIN typed twice, no duplicate.
  await waitForScreen(page, /HSM SO split 1 of 3/);
  await dragToPort(page, 1, async (p) => {
    // (A finger's last move reaches the page with the next frame.)
    await p.waitForFunction(() => document.querySelector('[data-testid="ikey-port"]').classList.contains("port-drop-ok"), null, {
      timeout: 2000,
    });
    assert.match(await p.getByTestId("ikey-port").getAttribute("class"), /port-drop-ok/, "the port lights up under the token");
    assert.equal(await p.getByTestId("ikey-port-caption").innerText(), "iKey: release to insert", "and says so in words");
    await screenshot(p, "09-dragging-onto-port");
  });
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await screenshot(page, "09-key-in-port");
  await tap(page, "Yes");
  await waitForScreen(page, /Enter a PIN/);
  await keypad(page, PIN);
  await waitForScreen(page, /\*\*\*\*/);
  assert.doesNotMatch(await screenText(page), new RegExp(PIN), "the PIN is masked on the touchscreen");
  await screenshot(page, "09-touchscreen-pin-entry");
  await tap(page, "Enter");
  await waitForScreen(page, /Enter the PIN again/);
  await keypad(page, PIN);
  await tap(page, "Enter");
  await waitForScreen(page, /split 1 of 3 written[\s\S]*Make a duplicate/);
  await tap(page, "No");
  await waitForScreen(page, /split 2 of 3/);
  await dragOffPort(page, 1);
  // As the touchscreen says: stick a blue sticker on it.
  await writeSticker(page, 1, "blue", "HSM SO 1 (PIN)");

  // Split 2: with the keyboard. Enter on the token inserts it, Enter on the inserted token removes it.
  await ikey(page, 2).focus();
  await page.keyboard.press("Enter");
  await waitForKeyPlace(page, 2, true);
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await tap(page, "No");
  await waitForScreen(page, /split 2 of 3 written/);
  await tap(page, "No");
  await waitForScreen(page, /split 3 of 3/);
  await ikey(page, 2).focus();
  await page.keyboard.press("Enter");
  await waitForKeyPlace(page, 2, false);
  await writeSticker(page, 2, "blue", "HSM SO 2");

  // Split 3: Playwright's own drag and drop onto the port.
  await ikey(page, 3).dragTo(page.getByTestId("ikey-port"));
  await waitForKeyPlace(page, 3, true);
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await tap(page, "No");
  await waitForScreen(page, /split 3 of 3 written/);
  await tap(page, "No");
  await waitForScreen(page, /HSM Domain secret \(red\)/);
  await dragOffPort(page, 3);
  await writeSticker(page, 3, "blue", "HSM SO 3");

  // The red domain keyset: 1 of 1 on a fourth key.
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  await keypad(page, "1");
  await tap(page, "Enter");
  await waitForScreen(page, /N: splits to create/);
  await keypad(page, "1");
  await tap(page, "Enter");
  await waitForScreen(page, /HSM Domain split 1 of 1/);
  // This one with a finger, as on a touch screen.
  await touchDragToPort(page, 4);
  await tap(page, "No");
  await waitForScreen(page, /Make a duplicate/);
  await tap(page, "No");

  const done = await waitForOutput(page, start, /Command Result : No Error\s*lunacm:>$/);
  assert.doesNotMatch(done, /sim /, "the ceremony ran on the touchscreen, not through sim commands");
  assert.equal(await input.getAttribute("placeholder"), null, "the prompt is back");
  await waitForScreen(page, /Initialized/);
  await touchDragOffPort(page, 4);
  await writeSticker(page, 4, "red", "HSM Domain");
  await screenshot(page, "09-initialized-tray-with-stickers");

  const slots = await run(page, "slot list");
  assert.match(slots, /Luna HSM Admin Partition \(PED\)/);
  assert.match(slots, /Label ->\s*pedHSM/);
  assert.match(slots, /HSM Status ->\s*OK/);

  // ---- role login -name so: two of the three blue keys, the first with its PIN ----
  const loginFrom = (await transcript(page)).length;
  const login = await run(page, "role login -name so");
  assert.match(login, /Please attend to the PED\./);
  await waitForScreen(page, /Log in as HSM SO[\s\S]*2 splits are needed/);
  await dragToPort(page, 1);
  await waitForScreen(page, /Enter the PIN of this iKey/);
  await keypad(page, PIN);
  await screenshot(page, "09-login-pin-entry");
  await tap(page, "Enter");
  await waitForScreen(page, /Split accepted \(1 of 2\)/);
  await dragOffPort(page, 1);
  await dragToPort(page, 2);
  const loggedIn = await waitForOutput(page, loginFrom, /Command Result : No Error\s*lunacm:>$/);
  assert.doesNotMatch(loggedIn, new RegExp(PIN), "the PIN never reaches the terminal");
  await waitForPrompt(page);
  await waitForScreen(page, /HSM SO logged in/);
  await screenshot(page, "09-so-logged-in");
  await dragOffPort(page, 2);

  const info = await run(page, "hsm showinfo");
  assert.match(info, /Role Status -> SO logged in/);
  assert.deepEqual(page.errors, []);
});
