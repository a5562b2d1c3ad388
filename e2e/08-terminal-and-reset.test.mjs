// Story: the terminal behaves like one (history, masking, scrolling, focus), and the user can start
// over with a factory-fresh unit.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  INPUT,
  enter,
  initialize,
  openApp,
  recoverFromStm,
  run,
  screenText,
  screenshot,
  setup,
  transcript,
  waitForScreen,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("history recalls commands but never passwords or prompt answers", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await initialize(page, "histLabel");
  await run(page, "slot list");
  const input = page.getByTestId("lunacm-input");

  const recalled = [];
  for (let i = 0; i < 4; i++) {
    await input.press("ArrowUp");
    recalled.push(await input.inputValue());
  }
  assert.deepEqual(recalled, [
    "slot list",
    "hsm init -label histLabel -ipwd",
    "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP",
    "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP",
  ]);
  await input.press("ArrowDown");
  assert.equal(await input.inputValue(), "hsm init -label histLabel -ipwd");
  await input.press("ArrowDown");
  await input.press("ArrowDown");
  assert.equal(await input.inputValue(), "", "past the newest entry: the line being edited");
  assert.deepEqual(page.errors, []);
});

test("the transcript follows the output and the input keeps the keyboard", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await initialize(page, "scrollTest");
  for (let i = 0; i < 6; i++) await run(page, "slot list");
  const atBottom = await page.evaluate(() => {
    const el = document.querySelector(".terminal-body");
    return el.scrollHeight - el.scrollTop - el.clientHeight < 4;
  });
  assert.ok(atBottom, "scrolled to the newest output");

  // A click elsewhere in the terminal gives the input the keyboard back (with the keyboard alone, there
  // is no such click: the input has kept it).
  if (INPUT !== "keyboard") await page.getByTestId("lunacm-output").click({ position: { x: 5, y: 5 } });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "lunacm-input");

  // A password prompt masks the input; the answer is echoed as stars.
  await run(page, "role login -name so");
  assert.equal(await page.getByTestId("lunacm-input").getAttribute("type"), "password");
  await screenshot(page, "08-password-prompt");
  const out = await enter(page, "secret-123");
  assert.ok(out.startsWith("**********\n"), out);
  assert.ok(!(await transcript(page)).includes("secret-123"));
  assert.equal(await page.getByTestId("lunacm-input").getAttribute("type"), "text");
  assert.deepEqual(page.errors, []);
});

test("reset asks for confirmation, then gives a factory-fresh unit", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  assert.doesNotMatch(await screenText(page), /Transport Mode/);

  await page.getByTestId("reset-simulator").click();
  await page.getByTestId("reset-dialog").waitFor();
  await screenshot(page, "08-reset-dialog");
  await page.getByTestId("reset-cancel").click();
  assert.equal(await page.getByTestId("reset-dialog").count(), 0);
  assert.doesNotMatch(await screenText(page), /Transport Mode/, "cancel changes nothing");

  // With the dialog gone, typing goes to the terminal again.
  const before = await transcript(page);
  await page.keyboard.type("slot list");
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (length) => document.querySelector('[data-testid="lunacm-output"]').textContent.length !== length,
    before.length,
  );
  assert.match((await transcript(page)).slice(before.length), /^slot list\n[\s\S]*HSM Status ->/);

  await page.getByTestId("reset-simulator").click();
  await page.getByTestId("reset-confirm").click();
  assert.equal(await page.getByTestId("reset-dialog").count(), 0);
  await waitForScreen(page, /Transport Mode/);
  assert.doesNotMatch(await transcript(page), /stm recover/, "LunaCM restarted");
  assert.match(await run(page, "slot list"), /HSM Status ->[^\n]*Transport Mode, zeroized/);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "lunacm-input");

  // The fresh unit is what was saved.
  await page.reload();
  await page.getByTestId("lunacm-input").waitFor();
  assert.match(await screenText(page), /Transport Mode/);
  assert.deepEqual(page.errors, []);
});

test("a long session keeps the newest output and says that the oldest is gone", async () => {
  const page = await openApp(env);
  assert.equal(await page.getByTestId("transcript-dropped").count(), 0, "nothing dropped at first");
  const length = await page.evaluate(async () => {
    for (let i = 0; i < 500 && window.luna.transcript().length < 210_000; i++) await window.luna.run("help");
    return window.luna.transcript().length;
  });
  assert.ok(length <= 200_000, `the scrollback is bounded: ${length}`);
  assert.match(await page.getByTestId("transcript-dropped").innerText(), /Earlier output is no longer shown: the terminal keeps the last 200k characters/);
  assert.match(await transcript(page), /lunacm:>$/, "the newest output and the prompt stay");
  // A new session starts whole again.
  await page.getByTestId("reset-simulator").click();
  await page.getByTestId("reset-confirm").click();
  await page.getByTestId("transcript-dropped").waitFor({ state: "detached" });
  assert.deepEqual(page.errors, []);
});
