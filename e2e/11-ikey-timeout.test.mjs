// Story: a user starts an iKey ceremony and walks away from the PED. After 120 s with no iKey action
// the touchscreen gives up, LunaCM reports the timeout and its prompt returns.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  enter,
  openApp,
  recoverFromStm,
  run,
  screenText,
  screenshot,
  setup,
  transcript,
  waitForPrompt,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const KEY = "luna-usb-hsm7-sim/world";

test("an iKey ceremony left alone times out after 120 s: LunaCM prints CKR_TIMEOUT and prompts again", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  // The page's clock is Playwright's, so two minutes pass in an instant.
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.clock.install();
  await page.goto(env.url);
  await waitForPrompt(page);
  await recoverFromStm(page);

  await run(page, "hsm init -label walkedAway -iped");
  assert.match(await enter(page, "proceed"), /Please attend to the PED\./);
  const input = page.getByTestId("lunacm-input");
  const from = (await transcript(page)).length;
  const stored = () => page.evaluate((key) => localStorage.getItem(key), KEY);
  const during = await stored();

  await page.clock.runFor(100_000);
  assert.match(await input.getAttribute("placeholder"), /Waiting for the PED/, "still waiting after 100 s");
  assert.equal(await stored(), during, "a second that ends nothing saves nothing");
  assert.match(await screenText(page), /Reuse an existing keyset, or create a new one\?/);

  await page.clock.runFor(25_000);
  await waitForPrompt(page);
  const out = (await transcript(page)).slice(from);
  assert.match(out, /timed out/);
  assert.match(out, /CKR_TIMEOUT/);
  assert.equal(await input.getAttribute("placeholder"), null);
  assert.match(await screenText(page), /The iKey operation timed out\./);
  assert.doesNotMatch(await screenText(page), /Reuse an existing keyset/);

  // The end of the ceremony was saved.
  assert.notEqual(await stored(), during, "the timeout was saved");
  await screenshot(page, "11-ikey-timeout");
  assert.deepEqual(page.errors, []);
  await context.close();
});
