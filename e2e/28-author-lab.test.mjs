// Story: an instructor authors a lab from the Instructor panel. Recording starts from the world as it
// is (a unit already recovered from STM), the instructor initializes the HSM answering LunaCM's masked
// prompts, logs in as HSM SO and moves an iKey; stopping proposes the checks the final world passes and
// the starting world did not; the instructor names the lab and exports it as a file. A trainee opens
// that file with "Open a lab file…", starts from the recorded world, types the recorded solution, and
// the checks turn green until the lab is complete.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  SO_PASSWORD,
  currentPrompt,
  dragOffPort,
  dragToPort,
  enter,
  initialize,
  openApp,
  recoverFromStm,
  screenshot,
  setup,
  waitForPrompt,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const ID = "authored-init";

test("an instructor records a lab, exports it, and a trainee completes it from the file", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  const panel = page.getByTestId("instructor-panel");
  await panel.locator("summary").click();
  const author = panel.getByTestId("author-lab");
  assert.match(await author.innerText(), /Passwords and PINs you type, at masked prompts too, are written in the lab file/);

  // Recording starts a new LunaCM session from the world as it is.
  await author.getByTestId("author-start").click();
  await author.getByTestId("author-recording").waitFor();
  await waitForPrompt(page);

  // A host file written from the page cannot be a solution line: refused while recording.
  await page.getByTestId("file-new-name").fill("/tmp/notes.txt");
  await page.getByTestId("file-new").click();
  await page.getByTestId("notice").filter({ hasText: "A lab is being recorded" }).waitFor();
  assert.equal(await page.getByTestId("file-item").count(), 0, "nothing was written");
  await page.getByTestId("notice-dismiss").click();

  // The procedure: initialize (masked answers), log in as HSM SO, move an iKey in and out.
  const { prompts } = await initialize(page, "authoredLab");
  assert.ok(prompts.some((p) => p.masked), "hsm init asked for a password");
  await enter(page, "role login -name so");
  assert.match(await currentPrompt(page), /password/i);
  await enter(page, SO_PASSWORD);
  await waitForPrompt(page);
  await dragToPort(page, 1);
  await dragOffPort(page, 1);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="author-line"]').length >= 6,
  );
  const shownLines = await author.getByTestId("author-line").allInnerTexts();
  assert.equal(shownLines[0], "hsm init -label authoredLab -ipwd");
  assert.deepEqual(shownLines.slice(-2), ["sim ikey insert 1", "sim ikey remove"]);
  assert.ok(shownLines.some((l) => l.includes("password prompt")), "answers at masked prompts are masked in the panel");
  assert.ok(!shownLines.some((l) => l.includes(SO_PASSWORD)), "the password is not shown in the panel");

  // Stopping proposes checks the final world passes and the starting world did not.
  await author.getByTestId("author-stop").click();
  await author.getByTestId("author-checks").waitFor();
  const boxes = author.getByTestId("author-check");
  const proposals = await author.getByTestId("author-checks").innerText();
  assert.match(proposals, /the HSM label is "authoredLab"/);
  assert.match(proposals, /the HSM SO is logged in/);
  assert.doesNotMatch(proposals, /Secure Transport Mode/, "already true at the start: not proposed");
  const count = await boxes.count();
  assert.ok(count >= 3, `${count} checks proposed`);
  for (let i = 0; i < count; i++) assert.equal(await boxes.nth(i).isChecked(), true);
  await author.getByTestId("author-checks").scrollIntoViewIfNeeded();
  await screenshot(page, "28-author-lab-checks");
  // The instructor leaves the last proposal out of the lab.
  await boxes.nth(count - 1).uncheck();

  await author.getByTestId("author-title").fill("Initialize a recovered unit");
  await author.getByTestId("author-minutes").fill("5");
  await author.getByTestId("author-chapters").fill("Chapter 4: Initialization");
  await author.getByTestId("author-objective").fill("Initialize the HSM with a password and log in as HSM SO.");
  await author.getByTestId("author-step-title").fill("Initialize and log in");
  await author.getByTestId("author-instructions").fill("Run `hsm init -label authoredLab -ipwd`, then `role login -name so`.");
  await author.getByTestId("author-hints").fill("hsm init -label authoredLab -ipwd\nrole login -name so");

  // An id of the catalogue is refused, with why; nothing is downloaded.
  await author.getByTestId("author-id").fill("hard-init-password");
  await author.getByTestId("author-export").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="author-result"]').textContent.includes("catalogue"),
  );
  assert.match(await author.getByTestId("author-result").innerText(), /The lab was not exported: .*catalogue/);

  await author.getByTestId("author-id").fill(ID);
  const downloading = page.waitForEvent("download");
  await author.getByTestId("author-export").click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), `${ID}.toml`);
  const text = await readFile(await download.path(), "utf8");
  assert.match(text, /^format = 2$/m);
  assert.match(text, new RegExp(`^id = "${ID}"$`, "m"));
  assert.match(text, /^world = """$/m, "the starting world is in the file");
  assert.ok(text.includes(`"${SO_PASSWORD}"`), "the password typed is in the solution, as the panel says");
  const checksInFile = text.slice(text.indexOf("checks = ["), text.indexOf("hints = [")).match(/\{ kind = /g);
  assert.equal(checksInFile.length, count - 1, "the unticked check is left out");
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="author-result"]').textContent.includes("Exported"),
  );
  await author.scrollIntoViewIfNeeded();
  await screenshot(page, "28-author-lab");
  assert.deepEqual(page.errors, []);

  // The trainee, in another browser profile: the lab file starts from the recorded world.
  const trainee = await openApp(env);
  await trainee
    .getByTestId("lab-file")
    .setInputFiles({ name: `${ID}.toml`, mimeType: "application/toml", buffer: Buffer.from(text) });
  await trainee.getByTestId("lab-file-confirm").click();
  await trainee.getByTestId("lab-run").waitFor();
  await waitForPrompt(trainee);
  assert.match(await trainee.getByTestId("lab-title").innerText(), /Initialize a recovered unit/);
  const marks = () => trainee.getByTestId("lab-check").evaluateAll((els) => els.map((e) => e.dataset.passed));
  assert.ok((await marks()).every((m) => m === "false"), "no check passes at the start");
  assert.doesNotMatch(await trainee.getByTestId("hsm-screen").innerText(), /Transport Mode/i);

  const solution = JSON.parse(
    "[" + text.slice(text.indexOf("solution = [") + "solution = [".length, text.lastIndexOf("]")).trim().replace(/,$/, "") + "]",
  );
  const login = solution.indexOf("role login -name so");
  assert.ok(login > 0, "the login is in the solution");
  // The initialization: some checks turn green, the login's stays open.
  for (const line of solution.slice(0, login)) await enter(trainee, line);
  await trainee.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="lab-check"]')].some((e) => e.dataset.passed === "true"),
  );
  const halfway = await marks();
  assert.ok(halfway.includes("true") && halfway.includes("false"), `${halfway}`);
  await screenshot(trainee, "28-author-lab-trainee");
  for (const line of solution.slice(login)) await enter(trainee, line);
  await trainee.getByTestId("lab-done").waitFor();

  // "Restart this lab…" starts the file's lab again from its recorded world.
  await trainee.getByTestId("lab-restart").click();
  await trainee.getByTestId("lab-restart-confirm").click();
  await trainee.waitForFunction(() => document.querySelector('[data-testid="lab-run"]')?.dataset.step === "0");
  await trainee.getByTestId("notice").filter({ hasText: "Lab started: Initialize a recovered unit" }).waitFor();
  assert.ok((await marks()).every((m) => m === "false"), "back at the starting world");
  assert.deepEqual(trainee.errors, []);
});
