// Story: the user works with the host's files beside LunaCM: opens an exported policy template, edits it,
// applies it at initialization, downloads it, uploads a file of their own, and deletes one, by mouse,
// keyboard and touch. What the host refuses is a notice, never a crash.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  DOMAIN,
  SO_PASSWORD,
  openApp,
  recoverFromStm,
  run,
  runAnswering,
  screenshot,
  setup,
  storedFiles,
  waitForAttribute,
  waitForPrompt,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());


test("edit, apply, download, upload and delete host files; refusals are notices", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, hasTouch: true });
  const page = await openApp(env, context);
  const panel = page.getByTestId("files-panel");
  assert.equal(await panel.getByTestId("file-item").count(), 0);
  await panel.getByTestId("files-empty").waitFor();

  await recoverFromStm(page);
  assert.match(await run(page, "hsm showpolicies -exporttemplate /tmp/HSMPT"), /written to \/tmp\/HSMPT/);
  const item = panel.getByTestId("file-item").filter({ hasText: "/tmp/HSMPT" });
  await item.waitFor();

  // Opened from the keyboard.
  await item.getByRole("button").focus();
  await page.keyboard.press("Enter");
  const text = panel.getByRole("textbox", { name: "Text of /tmp/HSMPT" });
  const original = await text.inputValue();
  assert.match(original, /^6:"Allow masking":1$/m);
  const save = panel.getByTestId("file-save");
  assert.ok(await save.isDisabled(), "nothing to save yet");

  // Edited and saved (Ctrl+S in the text): the world holds the new text, and is saved.
  const edited = original.replace('6:"Allow masking":1', '6:"Allow masking":0');
  await text.fill(edited);
  assert.ok(await save.isEnabled());
  await text.press("Control+s");
  await page.waitForFunction(() => document.querySelector('[data-testid="file-save"]').disabled);
  assert.equal((await storedFiles(page))["/tmp/HSMPT"], edited);

  // LunaCM reads the edited template.
  const init = await runAnswering(page, "hsm init -label Y -ipwd -applytemplate /tmp/HSMPT", (prompt, masked) => {
    if (/domain/i.test(prompt)) return DOMAIN;
    if (/proceed/i.test(prompt)) return "proceed";
    return masked ? SO_PASSWORD : undefined;
  });
  assert.match(init, /Command Result : No Error\s*lunacm:>$/);
  await waitForAttribute(page, "policy-hsm-6", "data-value", "0");

  // Downloaded as a plain file named after the path's last part.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    panel.getByRole("link", { name: "Download" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "HSMPT");
  assert.equal(await readFile(await download.path(), "utf8"), edited);

  // Uploaded from this computer: listed under its own name and opened.
  const upload = panel.getByLabel("Upload a file from this computer to the host");
  const mine = '# my partition template\n20:"Max failed user logins allowed":5\n';
  await upload.setInputFiles({ name: "myPPT.txt", mimeType: "text/plain", buffer: Buffer.from(mine) });
  await panel.getByTestId("file-item").filter({ hasText: "myPPT.txt" }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="file-editor-name"]')?.textContent === "myPPT.txt");
  assert.equal(await panel.getByTestId("file-text").inputValue(), mine);
  assert.equal((await storedFiles(page))["myPPT.txt"], mine);
  await screenshot(page, "13-uploaded-file");

  // Too big for the host: a notice, nothing stored, no crash.
  await upload.setInputFiles({ name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(300 * 1024, 65) });
  const notice = page.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /huge\.txt.*262144 bytes/);
  assert.equal(await panel.getByTestId("file-item").filter({ hasText: "huge.txt" }).count(), 0);
  await page.getByTestId("notice-dismiss").click();

  // A bad name for a new file: the host's refusal is a notice.
  const name = panel.getByRole("textbox", { name: "Name of a new file" });
  await name.fill("x".repeat(300));
  await panel.getByRole("button", { name: "New file" }).click();
  await notice.waitFor();
  assert.match(await notice.innerText(), /at most 255 characters/);
  assert.equal(await panel.getByTestId("file-item").count(), 2);

  // A new file from the keyboard (Enter in the name field), then deleted by touch with a confirmation.
  await name.fill("/tmp/scratch");
  await name.press("Enter");
  const scratch = panel.getByTestId("file-item").filter({ hasText: "/tmp/scratch" });
  await scratch.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="file-editor-name"]')?.textContent === "/tmp/scratch");
  assert.equal(await panel.getByTestId("file-text").inputValue(), "");

  await panel.getByTestId("file-delete").tap();
  const dialog = panel.getByRole("alertdialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Delete \/tmp\/scratch from the host\?/);
  // The safe choice has the keyboard; Escape backs out.
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "file-delete-cancel");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await scratch.count(), 1, "nothing deleted");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "file-delete", "focus went back");
  await panel.getByTestId("file-delete").tap();
  await screenshot(page, "13-delete-confirmation");
  await dialog.getByRole("button", { name: "Delete file" }).tap();
  await scratch.waitFor({ state: "detached" });
  assert.equal(await panel.getByTestId("file-editor").count(), 0, "the editor closed with the file");
  assert.ok(!("/tmp/scratch" in (await storedFiles(page))));

  // Opened by touch; a reload keeps every file (they are part of the saved world).
  await page.reload();
  await waitForPrompt(page);
  assert.deepEqual(
    await panel.getByTestId("file-item").evaluateAll((items) => items.map((i) => i.dataset.name)),
    ["/tmp/HSMPT", "myPPT.txt"],
  );
  await panel.getByTestId("file-item").filter({ hasText: "/tmp/HSMPT" }).getByRole("button").tap();
  assert.equal(await panel.getByTestId("file-text").inputValue(), edited);
  // Closed from the keyboard, the editor gives the keyboard back to the file's entry.
  await panel.getByRole("button", { name: "Close /tmp/HSMPT" }).focus();
  await page.keyboard.press("Enter");
  await panel.getByTestId("file-editor").waitFor({ state: "detached" });
  await page.waitForFunction(() => document.activeElement?.closest("[data-testid=file-item]")?.dataset.name === "/tmp/HSMPT");
  assert.deepEqual(page.errors, []);
  await context.close();
});
