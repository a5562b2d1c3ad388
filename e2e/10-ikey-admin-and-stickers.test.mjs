// Story: a user labels iKeys with coloured stickers (they stay on after a reload), adds a blank key, and
// uses the touchscreen's Admin tab to find out what an iKey holds after an -iped initialization.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  dragOffPort,
  dragToPort,
  enter,
  ikey,
  keypad,
  openApp,
  recoverFromStm,
  run,
  screenshot,
  setup,
  sticker,
  tap,
  transcript,
  waitForKeyPlace,
  waitForOutput,
  waitForPrompt,
  waitForScreen,
  writeSticker,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

/** Creates a 1 of 1 keyset without PIN or duplicate on iKey `id`, from the "Reuse or new" question on. */
async function oneOfOne(page, id) {
  await waitForScreen(page, /Reuse an existing keyset, or create a new one\?/);
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  await keypad(page, "1");
  await tap(page, "Enter");
  await waitForScreen(page, /N: splits to create/);
  await keypad(page, "1");
  await tap(page, "Enter");
  await waitForScreen(page, /split 1 of 1/);
  await dragToPort(page, id);
  await waitForScreen(page, /Set a PIN/);
  await tap(page, "No");
  await waitForScreen(page, /Make a duplicate/);
  await tap(page, "No");
}

test("stickers written with the editor show on the tokens and survive a reload", async () => {
  const page = await openApp(env);
  for (let id = 1; id <= 8; id++) {
    assert.deepEqual(await sticker(page, id), { color: "none", label: "" }, `iKey ${id} starts bare`);
  }

  await writeSticker(page, 1, "blue", "HSM SO");
  await writeSticker(page, 2, "red", "HSM Domain");
  assert.deepEqual(await sticker(page, 1), { color: "blue", label: "HSM SO" });
  assert.deepEqual(await sticker(page, 2), { color: "red", label: "HSM Domain" });
  assert.equal(await ikey(page, 1).getAttribute("aria-label"), "iKey 1, blue sticker HSM SO");
  assert.match(await ikey(page, 2).innerText(), /HSM Domain/, "the label is written on the token");

  // Double-click opens the editor too; Enter in the text field saves.
  await ikey(page, 3).dblclick();
  const editor = page.getByTestId("sticker-editor");
  await editor.waitFor();
  for (const name of ["blue", "red", "white", "orange", "black", "gray", "none"]) {
    assert.equal(await editor.getByTestId(`sticker-color-${name}`).count(), 1, `a ${name} swatch`);
  }
  assert.equal(await editor.getByTestId("sticker-text").getAttribute("maxlength"), "32");
  await editor.getByTestId("sticker-color-white").check();
  await editor.getByTestId("sticker-text").fill("Auditor");
  await screenshot(page, "10-sticker-editor");
  await editor.getByTestId("sticker-text").press("Enter");
  await editor.waitFor({ state: "detached" });
  assert.deepEqual(await sticker(page, 3), { color: "white", label: "Auditor" });

  // Cancel leaves the sticker as it was.
  await page.getByTestId("ikey-edit-4").click();
  await editor.getByTestId("sticker-color-orange").check();
  await editor.getByTestId("sticker-text").fill("not kept");
  await editor.getByRole("button", { name: "Cancel", exact: true }).click();
  await editor.waitFor({ state: "detached" });
  assert.deepEqual(await sticker(page, 4), { color: "none", label: "" });

  // A blank key joins the tray.
  await page.getByTestId("ikey-add").click();
  await ikey(page, 9).waitFor();
  assert.deepEqual(await sticker(page, 9), { color: "none", label: "" });
  await writeSticker(page, 9, "orange", "RPV");

  await page.reload();
  await waitForPrompt(page);
  assert.deepEqual(await sticker(page, 1), { color: "blue", label: "HSM SO" });
  assert.deepEqual(await sticker(page, 2), { color: "red", label: "HSM Domain" });
  assert.deepEqual(await sticker(page, 3), { color: "white", label: "Auditor" });
  assert.deepEqual(await sticker(page, 9), { color: "orange", label: "RPV" });
  assert.equal(await page.getByTestId("notice").count(), 0, "no notice after a clean reload");
  await screenshot(page, "10-tray-after-reload");
  assert.deepEqual(page.errors, []);
});

test("the Admin tab identifies the secret on an inserted iKey; a taken port is refused with a notice", async () => {
  const page = await openApp(env);
  await writeSticker(page, 1, "blue", "HSM SO");
  await writeSticker(page, 2, "red", "HSM Domain");
  await recoverFromStm(page);

  // hsm init -iped with a 1 of 1 blue key (iKey 1) and a 1 of 1 red key (iKey 2).
  await run(page, "hsm init -label pedHSM -iped");
  const from = (await transcript(page)).length;
  assert.match(await enter(page, "proceed"), /Please attend to the PED\./);
  await oneOfOne(page, 1);
  await waitForScreen(page, /HSM Domain secret/);
  await dragOffPort(page, 1);
  await oneOfOne(page, 2);
  await waitForOutput(page, from, /Command Result : No Error\s*lunacm:>$/);
  await dragOffPort(page, 2);

  // Insert the blue key, then tap Admin: the screen names its secret.
  await dragToPort(page, 1);
  await tap(page, "Admin");
  await waitForScreen(page, /This iKey holds: HSM SO secret \(blue\)\./);
  await screenshot(page, "10-admin-identifies-blue-key");

  // The port holds one key: pushing in another (from the keyboard) is refused, with a notice.
  await ikey(page, 3).focus();
  await page.keyboard.press("Enter");
  const notice = page.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /The iKey port is occupied/);
  assert.equal(await ikey(page, 3).getAttribute("data-in-port"), "false");
  await page.getByTestId("notice-dismiss").click();

  // The red key, then a blank one, in the same Admin tab.
  await dragOffPort(page, 1);
  await waitForScreen(page, /No iKey inserted/);
  await dragToPort(page, 2);
  await waitForScreen(page, /This iKey holds: HSM Domain secret \(red\)\./);
  await dragOffPort(page, 2);
  await ikey(page, 5).focus();
  await page.keyboard.press("Enter");
  await waitForKeyPlace(page, 5, true);
  await waitForScreen(page, /This iKey is blank\./);
  await screenshot(page, "10-admin-blank-key");
  await page.keyboard.press("Enter");
  await waitForKeyPlace(page, 5, false);
  await tap(page, "Exit");
  await waitForScreen(page, /Initialized/);
  assert.deepEqual(page.errors, []);
});
