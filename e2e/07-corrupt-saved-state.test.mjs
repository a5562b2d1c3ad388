// Story: the saved state is damaged or from another version. The user is told, the value is kept
// aside, and the simulator starts afresh instead of crashing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openApp, run, screenText, screenshot, setup, waitForPrompt } from "./lib/harness.mjs";

const KEY = "luna-usb-hsm7-sim/world";
const REJECTED = "luna-usb-hsm7-sim/world.rejected";
let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

async function reloadWith(page, value) {
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [KEY, value]);
  await page.reload();
  await waitForPrompt(page);
}

test("corrupt saved state: a message, a kept copy, a fresh unit, no crash", async () => {
  const page = await openApp(env);
  await run(page, "slot list");
  await reloadWith(page, '{"schema":1,"revision":3,"hsm":{not json');

  const notice = page.getByTestId("notice");
  await notice.waitFor();
  const text = await notice.innerText();
  assert.match(text, /could not restore/i);
  assert.match(text, /damaged/i);
  assert.ok(text.includes(REJECTED), "the notice says where the copy is");
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), REJECTED), '{"schema":1,"revision":3,"hsm":{not json');

  // A working, factory-fresh unit.
  assert.match(await screenText(page), /Transport Mode/);
  assert.match(await run(page, "slot list"), /HSM Status ->[^\n]*Transport Mode, zeroized/);
  await screenshot(page, "07-corrupt-state");

  await page.getByTestId("notice-dismiss").click();
  assert.equal(await page.getByTestId("notice").count(), 0);
  assert.deepEqual(page.errors, []);
});

test("saved state of another schema version: the message names the versions", async () => {
  const page = await openApp(env);
  await run(page, "slot list");
  const world = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), KEY));
  world.schema = 9999;
  await reloadWith(page, JSON.stringify(world));

  const notice = page.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /version 9999/);
  assert.equal(JSON.parse(await page.evaluate((k) => localStorage.getItem(k), REJECTED)).schema, 9999);
  assert.match(await run(page, "slot list"), /HSM Status ->[^\n]*Transport Mode, zeroized/);
  assert.deepEqual(page.errors, []);
});
