// Story: the main stories done with the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape and typing;
// no pointer at all), and with a finger alone on a phone-sized touch screen.
//
// With the keyboard: Tab reaches the terminal, where the unit is recovered from Secure Transport Mode and
// initialized; panels open and a lab step is done; a multifactor initialization runs on the touchscreen
// (its buttons reached with Tab and pressed with Enter or Space, digits typed on its keypad) with iKeys
// moved into the port and out with Enter, a sticker written on one, then an SO login with them. The
// confirmation dialogs keep the keyboard inside while open, close with Escape and give the keyboard back
// to the button that opened them.
//
// With a finger, at 390 × 844: the page fits the width, the terminal takes typed lines, the touchscreen is
// tapped and iKeys are dragged into the port and out.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { expectFocus, focused, tabTo, tabToTestId } from "./lib/a11y.mjs";
import {
  DOMAIN,
  SO_PASSWORD,
  currentPrompt,
  screenshot,
  setup,
  touchDragOffPort,
  touchDragToPort,
  transcript,
  waitForAttribute,
  waitForKeyPlace,
  waitForOutput,
  waitForPrompt,
  waitForScreen,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const PIN = "4711";

/** A fresh page, with nothing focused yet: the keyboard starts at the top of the document. */
async function keyboardPage(options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(env.url);
  await waitForPrompt(page);
  return page;
}

/** Types `line` into the terminal, which must have the keyboard, presses Enter and waits for the answer. */
async function typeLine(page, line) {
  const now = await focused(page);
  assert.equal(now?.testid, "lunacm-input", `the terminal has the keyboard to type ${JSON.stringify(line)}`);
  const before = (await transcript(page)).length;
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (length) => document.querySelector('[data-testid="lunacm-output"]').textContent.length !== length,
    before,
  );
  return (await transcript(page)).slice(before);
}

/** Types the answers to LunaCM's questions until its command prompt returns. */
async function answerUntilPrompt(page, answer) {
  for (let step = 0; step < 12; step++) {
    const text = await transcript(page);
    if (text.trimEnd().endsWith("lunacm:>")) return;
    const prompt = await currentPrompt(page);
    const masked = (await page.getByTestId("lunacm-input").getAttribute("type")) === "password";
    await typeLine(page, answer(prompt, masked));
  }
  throw new Error("LunaCM kept asking");
}

/** Reaches the touchscreen button with visible text `text` by Tab or Shift+Tab, and presses `key` on it. */
async function pressScreenButton(page, text, key = "Enter") {
  const slug = text.toLowerCase().replace(/ /g, "-");
  const selector = `[data-testid="hsm-screen"] button[data-button="${slug}"]`;
  await page.waitForSelector(selector);
  const now = await tabTo(page, selector);
  assert.equal(now.label, text);
  await page.keyboard.press(key);
}

/** Moves iKey `id` into the port (or out of it) with the keyboard: Tab to its token, Enter. */
async function moveKeyWithKeyboard(page, id, inPort, key = "Enter") {
  await tabToTestId(page, `ikey-${id}`);
  await page.keyboard.press(key);
  await waitForKeyPlace(page, id, inPort);
  await expectFocus(page, `ikey-${id}`, "the moved key keeps the keyboard");
}

test("keyboard: recover and initialize in the terminal, open panels, a lab step", async () => {
  const page = await keyboardPage();
  // From the top of the document, Tab reaches the terminal's input.
  await page.evaluate(() => document.activeElement?.blur());
  const input = await tabToTestId(page, "lunacm-input");
  assert.equal(input.tag, "input");

  await typeLine(page, "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP");
  await typeLine(page, "proceed");
  await typeLine(page, "hsm init -label keyboard -ipwd");
  await answerUntilPrompt(page, (prompt, masked) => {
    if (masked) return /domain/i.test(prompt) ? DOMAIN : SO_PASSWORD;
    if (/proceed/i.test(prompt)) return "proceed";
    if (/domain/i.test(prompt)) return DOMAIN;
    throw new Error(`unexpected question ${prompt}`);
  });
  assert.match(await typeLine(page, "slot list"), /Label ->\s*keyboard/);

  // Panels open with Enter or Space on their headings.
  await tabTo(page, '[data-testid="app-panel"] > summary');
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector('[data-testid="app-panel"]').open);
  await tabTo(page, '[data-testid="instructor-panel"] > summary');
  await page.keyboard.press(" ");
  await page.waitForFunction(() => document.querySelector('[data-testid="instructor-panel"]').open);
  await page.keyboard.press(" ");
  await page.waitForFunction(() => !document.querySelector('[data-testid="instructor-panel"]').open);

  // A lab: Start… asks first; Escape backs out and gives the keyboard back to Start….
  await tabToTestId(page, "lab-start-receive-new-unit");
  await page.keyboard.press("Enter");
  await page.getByTestId("lab-start-dialog").waitFor();
  await expectFocus(page, "lab-start-cancel", "the safe choice has the keyboard");
  await page.keyboard.press("Escape");
  await page.getByTestId("lab-start-dialog").waitFor({ state: "detached" });
  await expectFocus(page, "lab-start-receive-new-unit", "the keyboard is back on Start…");
  await page.keyboard.press("Enter");
  await tabToTestId(page, "lab-start-confirm");
  await page.keyboard.press("Enter");
  await page.getByTestId("lab-run").waitFor();
  await waitForPrompt(page);
  // A hint, from the keyboard.
  await tabToTestId(page, "lab-hint");
  await page.keyboard.press("Enter");
  await page.locator('[data-testid="lab-hints"] li').first().waitFor();
  // The step's work, typed in the terminal.
  await tabToTestId(page, "lunacm-input");
  const email = await typeLine(page, "sim email");
  const random = email.match(/[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}/)[0];
  await typeLine(page, `stm recover -randomuserstring ${random}`);
  await typeLine(page, "proceed");
  await page.waitForFunction(() => document.querySelector('[data-testid="lab-run"]')?.dataset.step !== "0");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard: a multifactor initialization and an SO login, on the touchscreen and with iKeys", async () => {
  const page = await keyboardPage();
  await page.evaluate(() => document.activeElement?.blur());
  await tabToTestId(page, "lunacm-input");
  await typeLine(page, "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP");
  await typeLine(page, "proceed");
  await typeLine(page, "hsm init -label keys -iped");
  const start = (await transcript(page)).length;
  assert.match(await typeLine(page, "proceed"), /Please attend to the PED\./);

  // The SO keyset, 1 of 1, on iKey 1 with a PIN.
  await waitForScreen(page, /Reuse an existing keyset, or create a new one\?/);
  await pressScreenButton(page, "New");
  await waitForScreen(page, /M: splits needed/);
  // Digits typed while the touchscreen has the keyboard go to its keypad.
  await expectFocus(page, "hsm-screen", "the touchscreen keeps the keyboard as it changes");
  await page.keyboard.type("1");
  await page.waitForFunction(() => document.querySelector('[data-testid="screen-entry"]')?.innerText === "1");
  await pressScreenButton(page, "Enter");
  await waitForScreen(page, /N: splits to create/);
  // The keypad's keys are buttons too.
  await pressScreenButton(page, "1", " ");
  await page.waitForFunction(() => document.querySelector('[data-testid="screen-entry"]')?.innerText === "1");
  await pressScreenButton(page, "Enter", " ");
  await waitForScreen(page, /HSM SO split 1 of 1/);
  await moveKeyWithKeyboard(page, 1, true);
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await pressScreenButton(page, "Yes");
  await waitForScreen(page, /Enter a PIN/);
  await tabTo(page, '[data-testid="hsm-screen"] button[data-button="enter"]');
  await page.keyboard.type(PIN);
  await waitForScreen(page, /\*\*\*\*/);
  await page.keyboard.press("Enter");
  await waitForScreen(page, /Enter the PIN again/);
  await tabTo(page, '[data-testid="hsm-screen"] button[data-button="enter"]');
  await page.keyboard.type(PIN);
  await page.keyboard.press("Enter");
  await waitForScreen(page, /Make a duplicate/);
  await pressScreenButton(page, "No");
  await waitForScreen(page, /HSM Domain secret \(red\)/);
  await moveKeyWithKeyboard(page, 1, false);

  // The domain keyset, 1 of 1, on iKey 2, moved with Space.
  await pressScreenButton(page, "New");
  await waitForScreen(page, /M: splits needed/);
  await expectFocus(page, "hsm-screen", "the touchscreen keeps the keyboard as it changes");
  // Enter on the screen itself is the keypad's Enter.
  await page.keyboard.type("1");
  await page.waitForFunction(() => document.querySelector('[data-testid="screen-entry"]')?.innerText === "1");
  await page.keyboard.press("Enter");
  await waitForScreen(page, /N: splits to create/);
  await expectFocus(page, "hsm-screen", "the touchscreen keeps the keyboard");
  await page.keyboard.type("1");
  await page.waitForFunction(() => document.querySelector('[data-testid="screen-entry"]')?.innerText === "1");
  await page.keyboard.press("Enter");
  await waitForScreen(page, /HSM Domain split 1 of 1/);
  await moveKeyWithKeyboard(page, 2, true, " ");
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await pressScreenButton(page, "No");
  await waitForScreen(page, /Make a duplicate/);
  await pressScreenButton(page, "No", " ");
  await waitForOutput(page, start, /Command Result : No Error\s*lunacm:>$/);
  await waitForScreen(page, /Initialized/);
  await moveKeyWithKeyboard(page, 2, false, " ");

  // The domain key gets its red sticker from the keyboard: the editor opens on its text field, the
  // colours are a radio group reached with Shift+Tab and chosen with the arrow keys, Enter saves.
  await tabToTestId(page, "ikey-edit-2");
  await page.keyboard.press("Enter");
  await page.getByTestId("sticker-editor").waitFor();
  await expectFocus(page, "sticker-text", "the editor's text field has the keyboard");
  await page.keyboard.type("HSM Domain");
  await page.keyboard.press("Shift+Tab");
  await expectFocus(page, "sticker-color-none", "Shift+Tab reaches the chosen colour");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expectFocus(page, "sticker-color-red", "the arrow keys walk the colours");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.getByTestId("sticker-editor").waitFor({ state: "detached" });
  await expectFocus(page, "ikey-2", "the keyboard is back on the key");
  assert.equal(await page.getByTestId("ikey-2").getAttribute("data-color"), "red");
  assert.equal(await page.getByTestId("ikey-colour-2").innerText(), "red", "the colour is written under the key");

  // The SO logs in with iKey 1 and its PIN.
  await tabToTestId(page, "lunacm-input");
  const loginFrom = (await transcript(page)).length;
  assert.match(await typeLine(page, "role login -name so"), /Please attend to the PED\./);
  await waitForScreen(page, /Log in as HSM SO/);
  await moveKeyWithKeyboard(page, 1, true);
  await waitForScreen(page, /Enter the PIN of this iKey/);
  await tabTo(page, '[data-testid="hsm-screen"] button[data-button="enter"]');
  await page.keyboard.type(PIN);
  await page.keyboard.press("Enter");
  const out = await waitForOutput(page, loginFrom, /Command Result : No Error\s*lunacm:>$/);
  assert.doesNotMatch(out, new RegExp(PIN), "the PIN never reaches the terminal");
  await waitForAttribute(page, "admin-role", "data-role", "so");
  await moveKeyWithKeyboard(page, 1, false);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard: dialogs keep the keyboard inside, close with Escape and give it back", async () => {
  const page = await keyboardPage();
  // Listening for the file chooser from the start: the browser then hands it to the spec instead of
  // opening it, however soon after the key press it opens.
  const choosers = [];
  page.on("filechooser", (chooser) => choosers.push(chooser));
  await page.evaluate(() => document.activeElement?.blur());

  // Reset: Cancel has the keyboard; Tab and Shift+Tab stay in the dialog.
  await tabToTestId(page, "reset-simulator");
  await page.keyboard.press("Enter");
  await page.getByTestId("reset-dialog").waitFor();
  await expectFocus(page, "reset-cancel", "Cancel has the keyboard");
  const order = [];
  order.push((await focused(page)).testid);
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press("Tab");
    order.push((await focused(page))?.testid);
  }
  for (let i = 0; i < 2; i++) {
    await page.keyboard.press("Shift+Tab");
    order.push((await focused(page))?.testid);
  }
  assert.deepEqual(order, [
    "reset-cancel",
    "reset-confirm",
    "reset-cancel",
    "reset-confirm",
    "reset-cancel",
    "reset-confirm",
  ]);
  await page.keyboard.press("Escape");
  await page.getByTestId("reset-dialog").waitFor({ state: "detached" });
  await expectFocus(page, "reset-simulator", "the keyboard is back on Reset simulator");

  // Import: the file chooser opens from the keyboard; the dialog traps and returns the keyboard too.
  await tabToTestId(page, "world-import");
  await page.keyboard.press("Enter");
  for (let i = 0; i < 50 && choosers.length === 0; i++) await page.waitForTimeout(100);
  assert.equal(choosers.length, 1, "Enter on Import world… opens the file chooser");
  await choosers[0].setFiles({ name: "world.json", mimeType: "application/json", buffer: Buffer.from("{}") });
  await page.getByTestId("world-import-dialog").waitFor();
  await expectFocus(page, "world-import-cancel", "Cancel has the keyboard");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).inDialog, "world-import-dialog", "Tab stays in the dialog");
  await page.keyboard.press("Escape");
  await page.getByTestId("world-import-dialog").waitFor({ state: "detached" });
  await expectFocus(page, "world-import", "the keyboard is back on Import world…");

  // Confirming works from the keyboard too: a reset starts a new LunaCM session.
  await tabToTestId(page, "reset-simulator");
  await page.keyboard.press("Enter");
  await page.getByTestId("reset-dialog").waitFor();
  await expectFocus(page, "reset-cancel", "Cancel has the keyboard");
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).testid, "reset-confirm");
  const before = await transcript(page);
  await page.keyboard.press("Enter");
  await page.getByTestId("reset-dialog").waitFor({ state: "detached" });
  await page.waitForFunction((b) => document.querySelector('[data-testid="lunacm-output"]').textContent !== b, before);
  await waitForPrompt(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("touch on a phone: the page fits, the terminal takes lines, the touchscreen is tapped, iKeys dragged", async () => {
  const context = await env.browser.newContext({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
  });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(env.url);
  await waitForPrompt(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page fits the phone's width (it is ${width} px wide)`);
  await screenshot(page, "32-phone");

  // The terminal: tapped, a line typed on the soft keyboard, Enter.
  const input = page.getByTestId("lunacm-input");
  const typeOnPhone = async (line) => {
    const before = (await transcript(page)).length;
    await input.tap();
    await input.fill(line);
    await input.press("Enter");
    await page.waitForFunction(
      (length) => document.querySelector('[data-testid="lunacm-output"]').textContent.length !== length,
      before,
    );
  };
  await typeOnPhone("stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP");
  await typeOnPhone("proceed");
  await typeOnPhone("hsm init -label phone -iped");
  const start = (await transcript(page)).length;
  await typeOnPhone("proceed");

  // The touchscreen, tapped; iKeys dragged with a finger (the harness pauses after each drag as a hand
  // would: Chromium sends no click for a tap that comes right after a drag).
  const tapScreen = async (text) => {
    const button = page.getByTestId("hsm-screen").getByRole("button", { name: text, exact: true });
    await button.scrollIntoViewIfNeeded();
    await button.tap();
  };
  await waitForScreen(page, /Reuse an existing keyset/);
  await page.getByTestId("hsm-device").scrollIntoViewIfNeeded();
  await screenshot(page, "32-phone-touchscreen");
  await tapScreen("New");
  await waitForScreen(page, /M: splits needed/);
  await tapScreen("1");
  await tapScreen("Enter");
  await waitForScreen(page, /N: splits to create/);
  await tapScreen("1");
  await tapScreen("Enter");
  await waitForScreen(page, /HSM SO split 1 of 1/);
  await touchDragToPort(page, 1);
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await screenshot(page, "32-phone-key-in-port");
  await tapScreen("No");
  await waitForScreen(page, /Make a duplicate/);
  await tapScreen("No");
  await waitForScreen(page, /HSM Domain secret \(red\)/);
  await touchDragOffPort(page, 1);
  await tapScreen("New");
  await waitForScreen(page, /M: splits needed/);
  await tapScreen("1");
  await tapScreen("Enter");
  await waitForScreen(page, /N: splits to create/);
  await tapScreen("1");
  await tapScreen("Enter");
  await waitForScreen(page, /HSM Domain split 1 of 1/);
  await touchDragToPort(page, 2);
  await tapScreen("No");
  await waitForScreen(page, /Make a duplicate/);
  await tapScreen("No");
  await waitForOutput(page, start, /Command Result : No Error\s*lunacm:>$/);
  await waitForScreen(page, /Initialized/);
  await touchDragOffPort(page, 2);
  const after = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(after <= 390, `the page still fits after the ceremony (${after} px)`);
  await screenshot(page, "32-phone-initialized");
  assert.deepEqual(page.errors, []);
  await context.close();
});
