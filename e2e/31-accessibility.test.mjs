// Story: a trainee who uses a screen reader, a keyboard or a phone finds every view of the simulator
// usable: axe-core finds no serious or critical violation on the terminal, the unit and its touchscreen
// (idle and in an iKey ceremony), the iKey tray and the sticker editor, every panel open and closed,
// a lab under way, the confirmation dialogs, a notice, the USB controls (before and after a unit is
// connected), the embed mode and a phone-sized window. Names and roles a screen reader relies on are
// there: the transcript is a live log, the touchscreen's prompts are announced, dialogs are modal and
// named, iKey colours are named in words; and a reader who asks for reduced motion gets none.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { axeViolations, describeViolations } from "./lib/a11y.mjs";
import {
  enter,
  ikey,
  openApp,
  openAppWithUsbDouble,
  recoverFromStm,
  run,
  screenshot,
  setup,
  tap,
  waitForKeyPlace,
  waitForPrompt,
  waitForScreen,
  writeSticker,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

/** Asserts that axe finds no serious or critical violation in `target` (a page or frame) in view `view`. */
async function assertAccessible(target, view) {
  const violations = await axeViolations(target);
  assert.equal(violations.length, 0, `${view}: serious or critical violations:\n${describeViolations(violations)}`);
}

/** Opens or closes the panel with test id `testid` by its summary. */
async function setPanel(page, testid, open) {
  const panel = page.getByTestId(testid);
  if ((await panel.evaluate((d) => d.open)) !== open) await panel.locator(":scope > summary").click();
  await page.waitForFunction(([t, o]) => document.querySelector(`[data-testid="${t}"]`).open === o, [testid, open]);
}

const PANELS = ["labs-panel", "app-panel", "instructor-panel", "policies-panel", "files-panel", "audit-panel"];

test("the page at start, every panel open and closed, a notice, the sticker editor, a file open", async () => {
  const page = await openApp(env);
  await assertAccessible(page, "the page at start");

  for (const panel of PANELS) await setPanel(page, panel, true);
  await assertAccessible(page, "every panel open");
  for (const panel of PANELS) await setPanel(page, panel, false);
  await assertAccessible(page, "every panel closed");
  for (const panel of PANELS) await setPanel(page, panel, true);

  // A notice (a warning: a new file with no name).
  await page.getByTestId("file-new").click();
  await page.getByTestId("notice").waitFor();
  await assertAccessible(page, "a warning notice");
  await page.getByTestId("notice-dismiss").click();

  // A host file open in the editor, and its delete confirmation.
  await page.getByTestId("file-new-name").fill("/tmp/a11yTemplate");
  await page.getByTestId("file-new").click();
  await page.getByTestId("file-editor").waitFor();
  await page.getByTestId("file-delete").click();
  await page.getByTestId("file-delete-dialog").waitFor();
  await assertAccessible(page, "a file open, with its delete confirmation");
  await page.keyboard.press("Escape");

  // The sticker editor.
  await page.getByTestId("ikey-edit-1").click();
  await page.getByTestId("sticker-editor").waitFor();
  await assertAccessible(page, "the sticker editor");
  await page.keyboard.press("Escape");
  await screenshot(page, "31-panels-open");
});

test("an iKey ceremony on the touchscreen: the keypad, a key in the port", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await run(page, "hsm init -label a11y -iped");
  await enter(page, "proceed");
  await waitForScreen(page, /Reuse an existing keyset, or create a new one\?/);
  await assertAccessible(page, "the touchscreen asking a question");
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  await tap(page, "1");
  await assertAccessible(page, "the touchscreen's keypad");
  await tap(page, "Enter");
  await waitForScreen(page, /N: splits to create/);
  await tap(page, "1");
  await tap(page, "Enter");
  await waitForScreen(page, /split 1 of 1/);
  await ikey(page, 1).focus();
  await page.keyboard.press("Enter");
  await waitForKeyPlace(page, 1, true);
  await waitForScreen(page, /Set a PIN for this iKey\?/);
  await assertAccessible(page, "an iKey in the port, the touchscreen asking");
  await screenshot(page, "31-ceremony");
});

test("the confirmation dialogs: reset, import a world, start a lab; a lab under way", async () => {
  const page = await openApp(env);
  await page.getByTestId("reset-simulator").click();
  await page.getByTestId("reset-dialog").waitFor();
  await assertAccessible(page, "the reset dialog");
  await page.getByTestId("reset-cancel").click();

  await page.getByTestId("world-import-file").setInputFiles({
    name: "world.json",
    mimeType: "application/json",
    buffer: Buffer.from("{}"),
  });
  await page.getByTestId("world-import-dialog").waitFor();
  await assertAccessible(page, "the import dialog");
  await page.getByTestId("world-import-cancel").click();

  await page.getByTestId("lab-start-receive-new-unit").click();
  await page.getByTestId("lab-start-dialog").waitFor();
  await assertAccessible(page, "the lab start confirmation");
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  await waitForPrompt(page);
  await page.getByTestId("lab-hint").click();
  await page.locator('[data-testid="lab-hints"] li').first().waitFor();
  await assertAccessible(page, "a lab under way, with a hint");
  await page.getByTestId("lab-restart").click();
  await page.getByTestId("lab-restart-dialog").waitFor();
  await assertAccessible(page, "the lab restart confirmation");
  await screenshot(page, "31-lab");
});

test("the USB controls, before and after a unit is connected", async () => {
  const page = await openAppWithUsbDouble(env);
  await page.getByTestId("usb-connect").waitFor();
  await assertAccessible(page, "the USB connect button");
  await page.getByTestId("usb-connect").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="usb-status"]')?.textContent.includes("firmware"),
  );
  await waitForPrompt(page);
  await assertAccessible(page, "a unit attached over USB");
  await page.context().close();
});

test("the embed mode, before and after its demo plays", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${env.url}?embed&demo=stm-recovery`);
  await page.getByTestId("player").waitFor();
  await waitForPrompt(page);
  await assertAccessible(page, "the embed mode");
  await page.getByTestId("player-speed").selectOption("0");
  await page.getByTestId("player-play").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="player-play"]')?.textContent === "Finished", null, {
    timeout: 30_000,
  });
  await assertAccessible(page, "the embed mode after its demo");
  await context.close();
});

test("a phone-sized window: at start and in an iKey ceremony", async () => {
  const context = await env.browser.newContext({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
  });
  const page = await openApp(env, context);
  await assertAccessible(page, "a phone at start");
  await recoverFromStm(page);
  await run(page, "hsm init -label phone -iped");
  await enter(page, "proceed");
  await waitForScreen(page, /Reuse an existing keyset/);
  await assertAccessible(page, "a phone in an iKey ceremony");
  await context.close();
});

test("names and roles: a live log, announced prompts, named modal dialogs, colours in words", async () => {
  const page = await openApp(env);
  const log = page.getByTestId("lunacm-output");
  assert.equal(await log.getAttribute("role"), "log", "the transcript is a log");
  assert.equal(await log.getAttribute("aria-live"), "polite");
  assert.ok(await log.getAttribute("aria-label"), "the log has a name");
  assert.ok(await page.getByRole("textbox", { name: "LunaCM command" }).isVisible(), "the input is named");

  // The touchscreen's title and prompts are in a live region, so a ceremony's questions are read out.
  const announced = page.getByTestId("screen-announcer");
  assert.equal(await announced.getAttribute("aria-live"), "polite");
  await recoverFromStm(page);
  await run(page, "hsm init -label named -iped");
  await enter(page, "proceed");
  await waitForScreen(page, /Reuse an existing keyset/);
  await page.waitForFunction(() =>
    /Reuse an existing keyset, or create a new one\?/.test(
      document.querySelector('[data-testid="screen-announcer"]')?.textContent ?? "",
    ),
  );
  assert.ok(
    await page.getByRole("group", { name: "HSM touchscreen" }).getByRole("button", { name: "New", exact: true }).isVisible(),
    "the touchscreen's buttons are buttons with their text as name",
  );
  await tap(page, "Cancel");
  await waitForPrompt(page);

  // Dialogs: modal, named by their title.
  await page.getByTestId("reset-simulator").click();
  const dialog = page.getByRole("dialog", { name: "Reset the simulator?" });
  assert.ok(await dialog.isVisible(), "the reset dialog is a dialog named by its title");
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });

  // A sticker's colour is named in words, on the desk and in the token's name, not only shown as colour.
  await writeSticker(page, 2, "red", "Domain");
  const token = page.getByRole("button", { name: /^iKey 2, red sticker Domain/ });
  assert.equal(await token.count(), 1, "the token's name says its sticker's colour");
  assert.match(await page.getByTestId("ikey-colour-2").innerText(), /^red$/i, "the colour is written beside the key");
  await writeSticker(page, 2, "none", "");
  assert.equal(await page.getByTestId("ikey-colour-2").count(), 0, "no colour, nothing written");
  // The sticker editor's swatches have their colour's name as their label.
  await page.getByTestId("ikey-edit-1").click();
  assert.equal(await page.getByRole("radio", { name: "orange" }).count(), 1);
  await page.keyboard.press("Escape");
});

test("prefers-reduced-motion: no transitions, no animations", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: "reduce" });
  const page = await openApp(env, context);
  await recoverFromStm(page);
  await run(page, "hsm init -label still -iped");
  await enter(page, "proceed");
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  // Every element of the page, and its pseudo-elements: no transition or animation lasts.
  const moving = await page.evaluate(() => {
    const long = (list) => list.split(",").some((d) => parseFloat(d) > 0);
    const found = [];
    for (const el of document.querySelectorAll("*")) {
      for (const pseudo of [null, "::before", "::after"]) {
        const s = getComputedStyle(el, pseudo);
        const animated = s.animationName !== "none" && long(s.animationDuration);
        const transitioned = s.transitionProperty !== "none" && long(s.transitionDuration);
        if (animated || transitioned) found.push(`${el.tagName.toLowerCase()}.${el.className}${pseudo ?? ""}`);
      }
    }
    return found;
  });
  assert.deepEqual(moving, [], "nothing moves when the reader asks for reduced motion");
  // Without the preference, the caret blinks and tokens move smoothly: the check above could fail.
  await page.emulateMedia({ reducedMotion: "no-preference" });
  const caret = await page.locator(".ts-caret").evaluate((el) => getComputedStyle(el).animationDuration);
  assert.notEqual(caret, "0s", "the caret blinks for those who did not ask otherwise");
  await context.close();
});
