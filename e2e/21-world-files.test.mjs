// Story: a trainee exports the whole simulator as a world file, changes things, and imports the file
// back: the unit, its host files and LunaCM's fresh session are as exported. A file that is not a world
// this simulator reads (another program's, a newer format, a hand-edited one with impossible values) is
// refused with why, and the world stays as it was.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { openApp, recoverFromStm, run, screenText, setup, waitForScreen } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const KEY = "luna-usb-hsm7-sim/world";
const revision = (page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key)).revision, KEY);

/** Chooses `text` as the file `name` for import and answers the confirmation with `button`. */
async function importFile(page, name, text, button = "world-import-confirm") {
  await page.getByTestId("world-import-file").setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(text) });
  await page.getByTestId("world-import-dialog").waitFor();
  await page.getByTestId(button).click();
}

test("export, change, import back; refused files change nothing", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await openApp(env, context);
  await recoverFromStm(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("world-export").click()]);
  assert.equal(download.suggestedFilename(), "luna-usb-hsm7-world.json");
  const file = await readFile(await download.path(), "utf8");
  const parsed = JSON.parse(file);
  assert.equal(parsed.format, "luna-usb-hsm7-sim world");
  assert.equal(parsed.version, 1);
  assert.equal(parsed.world.hsm.stm, null, "the exported unit is out of Secure Transport Mode");

  // Back into Secure Transport Mode, then the file brings the recovered unit back.
  await run(page, "stm transport");
  await run(page, "proceed");
  await waitForScreen(page, /Transport Mode/);
  await importFile(page, "luna-usb-hsm7-world.json", file, "world-import-cancel");
  assert.match(await screenText(page), /Transport Mode/, "cancelled: nothing changed");
  await importFile(page, "luna-usb-hsm7-world.json", file);
  await page.getByTestId("notice").filter({ hasText: "Imported luna-usb-hsm7-world.json" }).waitFor();
  assert.doesNotMatch(await screenText(page), /Transport Mode/);
  assert.match(await run(page, "slot list"), /HSM Status ->\s+Zeroized\n/, "the recovered, uninitialized unit");

  // Refusals: each names its reason, and the world stays.
  const kept = await revision(page);
  for (const [text, reason] of [
    ['{"format": "asciicast v2"}', /is a "asciicast v2", not a world file/],
    [JSON.stringify({ ...parsed, version: 9 }), /format version 9, from a newer simulator/],
    [file.replace('"label": ""', `"label": "${"L".repeat(40)}"`), /damaged/],
    ["not json at all", /not JSON/],
  ]) {
    await importFile(page, "bad.json", text);
    const notice = page.getByTestId("notice").filter({ hasText: "The file was not imported" });
    await notice.waitFor();
    assert.match(await notice.innerText(), reason);
    assert.equal(await revision(page), kept, "the world stays as it was");
    await page.getByTestId("notice-dismiss").click();
  }
  assert.deepEqual(page.errors, []);
  await context.close();
});
