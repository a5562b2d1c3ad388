// Story: the user reloads the page and finds the unit as they left it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  initialize,
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

test("after a reload the unit is still initialized, and LunaCM has restarted", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await initialize(page, "myLunaUSB");
  const serialBefore = (await run(page, "slot list")).match(/Serial Number ->\s*(\S+)/)?.[1];

  await page.reload();
  await waitForPrompt(page);

  // A restarted LunaCM: a new transcript with no trace of the earlier commands.
  assert.doesNotMatch(await transcript(page), /hsm init/);
  assert.equal(await page.getByTestId("notice").count(), 0, "no notice after a clean reload");

  const slots = await run(page, "slot list");
  assert.match(slots, /Label ->\s*myLunaUSB/);
  assert.match(slots, /HSM Status ->[^\n]*\bOK\b/);
  if (serialBefore) assert.match(slots, new RegExp(`Serial Number ->\\s*${serialBefore}\\b`), "the same unit");
  assert.match(await screenText(page), /myLunaUSB/);

  await screenshot(page, "04-after-reload");
  assert.deepEqual(page.errors, []);
});
