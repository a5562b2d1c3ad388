// Story: a documentation page (or the browser console) drives the simulator through `window.luna`: a
// line run from a script shows in the terminal as if typed, resolves with LunaCM's output, and is
// saved; the touchscreen and the transcript can be read. The world runs in a Web Worker: while it
// works the page keeps answering.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openApp, setup, transcript } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const KEY = "luna-usb-hsm7-sim/world";

test("a script runs LunaCM lines through window.luna and reads the screen", async () => {
  const page = await openApp(env);
  const out = await page.evaluate(() => window.luna.run("slot list"));
  assert.match(out, /HSM Status ->\s+Transport Mode, zeroized/);
  assert.match(out, /lunacm:>$/, "the output ends with the next prompt");
  assert.doesNotMatch(out, /^slot list/, "the echo is not part of it");
  assert.match(await transcript(page), /lunacm:>slot list\n/, "the line shows in the terminal");

  const email = await page.evaluate(() => window.luna.run("sim email"));
  const user = email.match(/[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}-[A-Za-z0-9+/]{4}/)[0];
  const asked = await page.evaluate((u) => window.luna.run(`stm recover -randomuserstring ${u}`), user);
  assert.match(asked, /Type 'proceed' to continue/);
  assert.match(await page.evaluate(() => window.luna.run("proceed")), /Command Result : No Error/);
  const saved = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)), KEY);
  assert.ok(!saved.hsm.stm, "what a script ran is saved");

  const screen = await page.evaluate(() => window.luna.screen());
  assert.equal(typeof screen.title, "string");
  assert.ok(!screen.status.includes("Transport Mode"), JSON.stringify(screen.status));
  assert.equal(await page.evaluate(() => window.luna.transcript()), await transcript(page));
  assert.deepEqual(page.errors, []);
});
