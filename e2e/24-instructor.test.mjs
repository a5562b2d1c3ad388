// Story: an instructor shares a lab as a link (`?lab=ID`): the trainee is asked before the lab replaces
// their world, and a link to a lab that does not exist changes nothing. During the session the
// instructor injects faults from the instructor view (a lost iKey, a wrong PIN on a sticker, a tamper,
// any sim command): the unit and the desk change, and nothing is typed in the trainee's terminal. A lab
// shared as a file starts after a confirmation; a file that is not a lab changes nothing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { ikey, openApp, setup, transcript, waitForPrompt } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("a lab link asks before starting the lab; an unknown lab changes nothing", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await openApp(env, context);
  const revision = () => page.evaluate(() => JSON.parse(localStorage.getItem("luna-usb-hsm7-sim/world")).revision);
  const before = await revision();

  await page.goto(`${env.url}?lab=no-such-lab`);
  await waitForPrompt(page);
  assert.match(await page.getByTestId("notice").innerText(), /names a lab that does not exist here: 'no-such-lab'\. Nothing was changed\./);

  await page.goto(`${env.url}?lab=lost-ikey-split`);
  await waitForPrompt(page);
  await page.getByTestId("lab-start-dialog").waitFor();
  await page.getByTestId("lab-start-cancel").click();
  assert.equal(await revision(), before, "declined: the world is as it was");
  assert.equal(await page.getByTestId("lab-run").count(), 0);

  await page.goto(`${env.url}?lab=lost-ikey-split`);
  await waitForPrompt(page);
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  assert.match(await page.getByTestId("labs-panel").innerText(), /Recover from a lost iKey|lost/i);
  await context.close();
});

test("the instructor injects faults; the trainee's terminal shows nothing typed", async () => {
  const page = await openApp(env);
  const panel = page.getByTestId("instructor-panel");
  await panel.locator("summary").click();
  const shown = await transcript(page);
  const result = panel.getByTestId("instructor-result");

  // A lost iKey: the second key leaves the desk.
  await panel.getByTestId("instructor-fault").selectOption({ label: "A lost or stolen iKey" });
  await panel.getByTestId("instructor-ikey").selectOption("2");
  await panel.getByTestId("instructor-inject").click();
  await ikey(page, 2).waitFor({ state: "detached" });
  assert.match(await result.innerText(), /iKey 2/);

  // A wrong PIN written on the first key's sticker.
  await panel.getByTestId("instructor-fault").selectOption({ label: "A wrong PIN written on an iKey's sticker" });
  await panel.getByTestId("instructor-ikey").selectOption("1");
  await panel.getByTestId("instructor-pin").fill("4321");
  await panel.getByTestId("instructor-inject").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="instructor-result"]').textContent.includes("PIN 4321"));

  // A tamper: the unit halts.
  await panel.getByTestId("instructor-fault").selectOption({ label: "Overheating: a tamper" });
  await panel.getByTestId("instructor-inject").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="env-status"]').innerText.includes("Hardware Tamper"));

  // Any sim command, with or without its "sim".
  await panel.getByTestId("instructor-line").fill("sim clock");
  await panel.getByTestId("instructor-run").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="instructor-result"]').textContent.includes("Simulated time"));

  assert.equal(await transcript(page), shown, "nothing was typed in the terminal");
  assert.deepEqual(page.errors, []);
});

test("a lab shared as a file starts after a confirmation; a file that is not a lab changes nothing", async () => {
  const page = await openApp(env);
  const choose = (name, text) =>
    page.getByTestId("lab-file").setInputFiles({ name, mimeType: "application/toml", buffer: Buffer.from(text) });
  await choose("notes.toml", 'id = "x"\ntitle = "no steps"\n');
  await page.getByTestId("lab-file-confirm").click();
  const notice = page.getByTestId("notice").filter({ hasText: "The lab file was not opened" });
  await notice.waitFor();
  assert.match(await notice.innerText(), /invalid lab/);
  assert.equal(await page.getByTestId("lab-run").count(), 0, "nothing changed");

  const lab = await readFile(new URL("../labs/02-hard-init-password.toml", import.meta.url), "utf8");
  await choose("shared.toml", lab.replace('id = "hard-init-password"', 'id = "shared-by-instructor"'));
  await page.getByTestId("lab-file-dialog").waitFor();
  await page.getByTestId("lab-file-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  assert.match(await page.getByTestId("notice").innerText(), /Lab started from shared\.toml/);
  assert.deepEqual(page.errors, []);
});
