// Story: an iKey is lost. The user marks it lost on the desk (after a confirmation); it is gone from the
// tray and from the saved world, and `sim ikeys` no longer lists it. Cancelling the confirmation keeps it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ikey, openApp, run, screenshot, setup } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const savedIds = (page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem("luna-usb-hsm7-sim/world")).tray.keys.map((k) => k.id));

test("an iKey marked lost leaves the desk for good; cancelling keeps it", async () => {
  const page = await openApp(env);
  // Cancel first: nothing changes.
  page.once("dialog", (d) => d.dismiss());
  await page.getByTestId("ikey-lose-3").click();
  assert.equal(await ikey(page, 3).count(), 1, "iKey 3 is still on the desk");
  assert.ok((await savedIds(page)).includes(3));

  page.once("dialog", (d) => {
    assert.match(d.message(), /Lose iKey 3\?/);
    d.accept();
  });
  await page.getByTestId("ikey-lose-3").click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="ikey-3"]'));
  assert.ok(!(await savedIds(page)).includes(3), "gone from the saved world");
  const out = await run(page, "sim ikeys");
  assert.doesNotMatch(out, /iKey 3 /);
  assert.match(out, /iKey 4 /);
  // The button has a name a screen reader can use.
  assert.equal(await page.getByTestId("ikey-lose-4").getAttribute("aria-label"), "Lose iKey 4 (lost, stolen or destroyed)");
  await screenshot(page, "15-ikey-lost");
});
