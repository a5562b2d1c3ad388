// Story: the user recovers the unit from Secure Transport Mode.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { STM_STRING, openApp, recoverFromStm, run, screenText, screenshot, setup } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("stm recover shows a verification string, proceed leaves Transport Mode", async () => {
  const page = await openApp(env);
  const { recover, proceed } = await recoverFromStm(page);

  // The seed is random, so only the verification string's shape is known.
  const strings = (recover.match(STM_STRING) ?? []).filter((s) => s !== "ABCD-EFGH-IJKL-MNOP");
  assert.ok(strings.length > 0, `a verification string in:\n${recover}`);
  assert.match(recover, /Type 'proceed' to continue, or 'quit' to quit now ->\s*$/);
  assert.match(proceed, /Command Result : No Error/);
  assert.match(proceed, /lunacm:>$/);

  const slots = await run(page, "slot list");
  assert.match(slots, /HSM Status ->[^\n]*Zeroized/);
  assert.doesNotMatch(slots, /Transport Mode/);

  const screen = await screenText(page);
  assert.doesNotMatch(screen, /Transport Mode/);
  assert.match(screen, /Zeroized/);

  await screenshot(page, "02-recovered-from-stm");
  assert.deepEqual(page.errors, []);
});
