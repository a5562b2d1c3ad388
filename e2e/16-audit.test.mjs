// Story: the Auditor configures audit logging, the HSM logs what happens into files on the host, and the
// audit panel lists them. The Auditor opens the log (from the keyboard), filters it by category, downloads
// it, changes one character of one record's message on this computer and uploads it back to the same host
// path (after a confirmation). `audit verify` then fails at that record, in the terminal and in the panel:
// the rows before it are verified, the changed one failed, the ones after it suspect. Changing the file
// again takes the marks away. The wrapped log secret is listed (opened by touch) and downloads too; a file
// too long for the table shows its first 500 lines and says how many more there are.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { initialize, openApp, recoverFromStm, run, screenshot, setup, storedFiles } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const hostFile = async (page, name) => (await storedFiles(page))[name];

/** Every row of the records table: its sequence number, line, mark and category. */
const rows = (panel) =>
  panel.getByTestId("audit-record").evaluateAll((trs) =>
    trs.map((tr) => ({
      seq: tr.dataset.seq === undefined ? null : Number(tr.dataset.seq),
      line: Number(tr.dataset.line),
      mark: tr.dataset.mark ?? null,
      category: tr.dataset.category ?? null,
    })),
  );

/** Uploads `text` as a file named `name` with the panel's upload control. */
const upload = (panel, name, text) =>
  panel
    .getByLabel("Upload a log file or secret from this computer into /var/audit")
    .setInputFiles({ name, mimeType: "application/octet-stream", buffer: Buffer.from(text) });

test("a log tampered with outside the HSM fails verification at the changed record", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, hasTouch: true });
  const page = await openApp(env, context);
  const panel = page.getByTestId("audit-panel");
  await panel.getByTestId("audit-empty").waitFor();

  // The Auditor is created, sets its domain and configures logging; the HSM SO initializes the HSM.
  await recoverFromStm(page);
  for (const line of [
    "role init -name au -password audpass1",
    "role login -name au -password audpass1",
    "role setdomain -name au -domain auddom1",
    "audit config path /var/audit evmask a,m,g,x,s,f",
    "role logout",
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/, line);
  }
  await initialize(page);
  for (const line of [
    "role login -name au -password audpass1",
    'audit logmsg message "shift start"',
    "audit time get",
    'audit logmsg message "keys checked"',
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/, line);
  }

  // The log file is listed, with what waits in the HSM.
  const entry = panel.locator('[data-testid="audit-file"][data-kind="log"]');
  await entry.waitFor();
  const path = await entry.getAttribute("data-name");
  assert.match(path, /^\/var\/audit\/hsm_\d+_00000001\.log$/);
  const name = path.slice("/var/audit/".length);
  assert.match(await panel.getByTestId("audit-store").innerText(), /No records wait in the HSM.*holds 1000 before LOG FULL.*\/var\/audit/);
  assert.equal(await entry.count(), 1);

  // Opened from the keyboard: a table of every record, none marked yet.
  await entry.getByRole("button").focus();
  await page.keyboard.press("Enter");
  const table = panel.getByRole("table");
  await table.waitFor();
  assert.deepEqual(await table.getByRole("columnheader").allInnerTexts(), ["Seq", "Time", "Who", "What", "Result", "Verification"]);
  const before = await rows(panel);
  assert.deepEqual(before.map((r) => r.seq), before.map((_, i) => i + 1), "one row per record, in order");
  assert.ok(before.every((r) => r.mark === null));
  assert.match(await panel.getByTestId("audit-verification").innerText(), new RegExp(`Not verified yet.*audit verify file ${name}`));
  const shiftStart = panel.getByTestId("audit-record").filter({ hasText: 'message "shift start"' });
  assert.match(await shiftStart.innerText(), /LUNA_LOG_EXTERNAL/);
  assert.match(await shiftStart.innerText(), /LUNA_RET_OK/);
  const changedSeq = Number(await shiftStart.getAttribute("data-seq"));

  // Filtered by category from the keyboard: only the two external messages remain, then all again.
  const category = panel.getByLabel("Category");
  await category.focus();
  await page.keyboard.press("e");
  assert.equal(await category.inputValue(), "external");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-record"]').length === 2);
  assert.ok((await rows(panel)).every((r) => r.category === "external"));
  assert.match(await panel.getByTestId("audit-count").innerText(), new RegExp(`2 of ${before.length} lines`));
  await page.keyboard.press("Home");
  assert.equal(await category.inputValue(), "all");
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-record"]').length === n, before.length);

  // Downloaded as the host has it, under the file's own name.
  const [download] = await Promise.all([page.waitForEvent("download"), panel.getByRole("link", { name: "Download" }).click()]);
  assert.equal(download.suggestedFilename(), name);
  const original = await readFile(await download.path(), "utf8");
  assert.equal(original, await hostFile(page, path));

  // One character of one record's message changed on this computer, and uploaded back: replacing the
  // host's file is asked first; the safe choice has the keyboard and Escape backs out.
  const tampered = original.replace('message "shift start"', 'message "shift stArt"');
  assert.equal(tampered.length, original.length);
  assert.notEqual(tampered, original);
  await upload(panel, name, tampered);
  const dialog = panel.getByRole("alertdialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), new RegExp(`Replace ${path} on the host`));
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "audit-replace-cancel");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await hostFile(page, path), original, "nothing replaced");
  await upload(panel, name, tampered);
  await dialog.getByRole("button", { name: "Replace file" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.equal(await hostFile(page, path), tampered);
  await panel.getByTestId("audit-record").filter({ hasText: 'message "shift stArt"' }).waitFor();

  // Verified in the terminal: it fails at the changed record.
  const out = await run(page, `audit verify file ${name}`);
  assert.match(out, new RegExp(`Verify failed on record ${changedSeq} \\(line ${changedSeq}\\): modified`));
  assert.match(out, /The log has been tampered with from that record on\.[\s\S]*LUNA_RET_LOG_BAD_RECORD_HMAC/);

  // And in the panel: verified before it, failed at it (with what and why), suspect after it; the records
  // logged since the verification carry no mark.
  await page.waitForFunction(() => document.querySelector('[data-testid="audit-record"][data-mark="failed"]'));
  const marked = await rows(panel);
  const verifiedLines = before.length;
  for (const row of marked) {
    const expected =
      row.line > verifiedLines ? null : row.seq < changedSeq ? "verified" : row.seq === changedSeq ? "failed" : "suspect";
    assert.equal(row.mark, expected, `record ${row.seq}`);
  }
  assert.ok(marked.length > verifiedLines, "the verification itself was logged into the same file");
  assert.ok(marked.some((r) => r.mark === "suspect"));
  const failed = panel.locator('[data-testid="audit-record"][data-mark="failed"]');
  assert.equal(Number(await failed.getAttribute("data-seq")), changedSeq);
  assert.match(await failed.innerText(), /shift stArt/);
  const cell = failed.getByRole("cell", { name: /failed: modified/ });
  assert.match(await cell.innerText(), /does not match the HMAC the next record carries/);
  assert.ok(await panel.getByTestId("audit-record").first().getByRole("cell", { name: /verified/ }).isVisible());
  assert.match(
    await panel.getByTestId("audit-verification").innerText(),
    new RegExp(`audit verify failed on record ${changedSeq} \\(line ${changedSeq}\\): modified`),
  );
  // For the screenshot: the panel at the top of the window, the failed record in the middle of the table.
  await panel.evaluate((el) => {
    el.scrollIntoView({ block: "start" });
    el.querySelector(".panel-body").scrollTop = 0;
    const wrap = el.querySelector(".audit-table-wrap");
    const row = wrap.querySelector('[data-mark="failed"]');
    wrap.scrollTop = row.offsetTop - wrap.clientHeight / 2;
  });
  await screenshot(page, "16-verify-failed");

  // The file changed again (the original back, with a line that is no record): the marks are gone.
  await upload(panel, name, original + "edited by hand\n");
  await dialog.getByRole("button", { name: "Replace file" }).click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="audit-record"][data-mark]'));
  assert.match(await panel.getByTestId("audit-verification").innerText(), /changed since audit verify checked it/);
  assert.match(
    await panel.getByTestId("audit-record").filter({ hasText: "LUNA_LOG_EXTERNAL" }).first().innerText(),
    /shift start/,
  );
  const last = panel.getByTestId("audit-record").last();
  assert.equal(await last.getAttribute("data-not-record"), "true");
  assert.match(await last.innerText(), /is not a record/);
  await last.scrollIntoViewIfNeeded();
  await screenshot(page, "16-marks-gone");

  // The wrapped log secret: listed, opened and downloaded as it is.
  assert.match(await run(page, "audit export"), /Successfully exported wrapped log secret/);
  const secret = panel.locator('[data-testid="audit-file"][data-kind="secret"]');
  await secret.waitFor();
  const secretPath = await secret.getAttribute("data-name");
  // Opened by touch.
  await secret.getByRole("button").tap();
  await panel.getByTestId("audit-secret").waitFor();
  const [secretDownload] = await Promise.all([
    page.waitForEvent("download"),
    panel.getByRole("link", { name: "Download" }).click(),
  ]);
  assert.equal(secretDownload.suggestedFilename(), secretPath.slice("/var/audit/".length));
  assert.equal(await readFile(await secretDownload.path(), "utf8"), await hostFile(page, secretPath));

  // Closed from the keyboard, the open file gives the keyboard back to its entry.
  await panel.getByRole("button", { name: `Close ${secretPath}` }).focus();
  await page.keyboard.press("Enter");
  await panel.getByTestId("audit-open").waitFor({ state: "detached" });
  await page.waitForFunction(
    (p) => document.activeElement?.closest("[data-testid=audit-file]")?.dataset.name === p,
    secretPath,
  );

  // A file that is neither a log nor a secret is written, and a notice says where it went.
  await upload(panel, "notes.txt", "shift handover\n");
  const notice = page.getByTestId("notice");
  await notice.waitFor();
  assert.match(await notice.innerText(), /written to \/var\/audit\/notes\.txt.*Host files panel/);
  assert.equal(await hostFile(page, "/var/audit/notes.txt"), "shift handover\n");
  await page.getByTestId("notice-dismiss").click();

  // A large file: the table draws its first 500 lines and says how many more there are.
  await upload(panel, "big.log", "not a record\n".repeat(620));
  await page.waitForFunction(() => document.querySelector('[data-testid="audit-open-name"]')?.textContent === "/var/audit/big.log");
  assert.equal(await panel.getByTestId("audit-record").count(), 500);
  assert.match(
    await panel.getByTestId("audit-hidden-rows").innerText(),
    /shows the first 500 of 620 lines: 120 more are not shown/,
  );
  assert.deepEqual(page.errors, []);
  await context.close();
});
