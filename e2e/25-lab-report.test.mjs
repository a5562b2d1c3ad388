// Story: a trainee completes a lab (opened from a link an instructor shared), having read a hint, and
// downloads the completion report as HTML and JSON: a practice record, labelled as such, whose digest
// shows accidental damage.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { run, setup, waitForPrompt } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("a completed lab's report, in HTML and JSON, with its digest", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(`${env.url}?lab=receive-new-unit`);
  await waitForPrompt(page);
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  await waitForPrompt(page);
  await page.getByTestId("lab-hint").click();
  const email = await run(page, "sim email");
  const user = email.match(/Random User String:\s+(\S+)/)[1];
  await run(page, `stm recover -randomuserstring ${user}`);
  await run(page, "proceed");
  await page.getByTestId("lab-done").waitFor();

  const save = async (testid) => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testid).click()]);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
  };
  const json = await save("lab-report-json");
  assert.equal(json.name, "lab-report-receive-new-unit.json");
  const parsed = JSON.parse(json.text);
  const content = parsed.content;
  assert.equal(content.lab.id, "receive-new-unit");
  assert.equal(content.finished, true);
  assert.equal(content.steps[0].done, true);
  assert.equal(content.steps[0].hints_used, 1);
  assert.equal(content.steps[0].solution_viewed, false);
  assert.match(content.transcript, /stm recover -randomuserstring/);
  assert.match(content.notice, /not a certification/);
  // The digest covers the content exactly as written.
  const body = json.text.slice(json.text.indexOf('{"content":') + '{"content":'.length, json.text.lastIndexOf(',"sha256":'));
  assert.equal(createHash("sha256").update(body).digest("hex"), parsed.sha256);

  const html = await save("lab-report-html");
  assert.equal(html.name, "lab-report-receive-new-unit.html");
  assert.match(html.text, /not a certification/);
  // Made a moment later, it carries its own generation time, hence its own digest.
  assert.match(html.text, /[0-9a-f]{64}/, "the HTML shows its digest");
  assert.doesNotMatch(html.text, /<script/i, "a report runs nothing");
  assert.deepEqual(page.errors, []);
  await context.close();
});
