// Story: a new user opens the page and finds a factory-fresh unit, in Secure Transport Mode.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openApp, run, screenText, screenshot, setup, transcript } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("a new user sees the unit in Transport Mode on the touchscreen and in slot list", async () => {
  const page = await openApp(env);

  // The unit on the desk, with its ports.
  for (const id of ["hsm-device", "hsm-screen", "ikey-port", "usb-host-port", "power-port"]) {
    assert.ok(await page.getByTestId(id).isVisible(), `${id} is visible`);
  }
  const screen = await screenText(page);
  assert.match(screen, /Transport Mode/);
  assert.match(screen, /Zeroized/);

  // LunaCM started: its transcript ends with the prompt, and the keyboard is on the input.
  assert.match(await transcript(page), /lunacm:>$/);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "lunacm-input");

  const out = await run(page, "slot list");
  assert.match(out, /HSM Status ->[^\n]*Transport Mode, zeroized/);
  assert.match(out, /Command Result : No Error/);
  assert.match(out, /lunacm:>$/);

  // The touchscreen is also published for scripts as a plain object.
  const published = await page.evaluate(() => window.lunaScreen);
  assert.ok(published.status.includes("Transport Mode"), JSON.stringify(published));

  await screenshot(page, "01-transport-mode");
  assert.deepEqual(page.errors, []);
});
