// Story: an instructor runs the quorum lab for a trainee and, between the steps, injects a fault from
// the instructor view: the original of split 1 is lost. The trainee recovers as the guide intends, with
// the backup copy of that split and a second split, and completes the lab.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { run, setup, waitForPrompt } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

// The first step's solution, as in labs/03-hard-init-ikeys.toml: a 2 of 3 keyset with PINs, iKey 4 a
// backup copy of split 1 (iKey 1).
const INIT = [
  "hsm init -label QuorumHSM -iped",
  "proceed",
  "sim tap New",
  "sim keypad 2",
  "sim tap Enter",
  "sim keypad 3",
  "sim tap Enter",
  "sim ikey insert 1",
  "sim tap Yes",
  "sim keypad 1111",
  "sim tap Enter",
  "sim keypad 1111",
  "sim tap Enter",
  "sim tap Yes",
  "sim ikey remove",
  "sim ikey insert 4",
  "sim tap No",
  "sim ikey remove",
  "sim ikey insert 2",
  "sim tap Yes",
  "sim keypad 2222",
  "sim tap Enter",
  "sim keypad 2222",
  "sim tap Enter",
  "sim tap No",
  "sim ikey remove",
  "sim ikey insert 3",
  "sim tap Yes",
  "sim keypad 3333",
  "sim tap Enter",
  "sim keypad 3333",
  "sim tap Enter",
  "sim tap No",
  "sim ikey remove",
  "sim tap New",
  "sim keypad 1",
  "sim tap Enter",
  "sim keypad 1",
  "sim tap Enter",
  "sim ikey insert 5",
  "sim tap No",
  "sim tap No",
  "sim ikey remove",
];

test("an instructor loses iKey 1 mid-lab; the trainee logs in with its backup and completes the lab", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err));
  await page.goto(`${env.url}?lab=hard-init-ikeys`);
  await waitForPrompt(page);
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  await waitForPrompt(page);
  for (const line of INIT) await run(page, line);
  await page.waitForFunction(() => document.querySelector('[data-testid="lab-run"]').dataset.step === "1");

  // The instructor: iKey 1 is lost.
  const panel = page.getByTestId("instructor-panel");
  await panel.locator("summary").click();
  await panel.getByTestId("instructor-fault").selectOption({ label: "A lost or stolen iKey" });
  await panel.getByTestId("instructor-ikey").selectOption("1");
  await panel.getByTestId("instructor-inject").click();
  await page.getByTestId("ikey-1").waitFor({ state: "detached" });

  // The trainee: the backup of split 1 and split 2 make the quorum.
  for (const line of ["role login -name so", "sim ikey insert 4", "sim keypad 1111", "sim tap Enter", "sim ikey remove",
    "sim ikey insert 2", "sim keypad 2222", "sim tap Enter", "sim ikey remove"]) {
    await run(page, line);
  }
  await page.getByTestId("lab-done").waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});
