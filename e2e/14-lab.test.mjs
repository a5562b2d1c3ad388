// Story: a trainee takes the lab "The application partition and its Crypto Officer" in the labs panel.
// Starting it (after a confirmation) puts the HSM in the lab's starting state; a wrong command leaves the
// step's check unmet; a hint helps; the step's solution completes it and the next step appears. The
// progress survives a reload, a check turns true on its own as soon as the world satisfies it, and the
// lab ends with a completion message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { enter, openApp, run, screenshot, setup, transcript, waitForAttribute, waitForPrompt } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const LAB = "partition-and-crypto-officer";
// The steps' solutions, as in labs/06-partition-and-crypto-officer.toml.
const SOLUTIONS = [
  ["role login -name so -password userpin1", "partition create", "slot list"],
  ["slot set -slot 3", "partition init -label par1", "popin123", "popin123", "pdomain1", "pdomain1", "proceed"],
  ["role login -name po -password popin123", "role init -name co", "copin123", "copin123", "role show -name co"],
  [
    "role logout",
    "role login -name co -password copin123",
    "partition contents",
    "role changepw -name co",
    "copin123",
    "copin456",
    "copin456",
    "proceed",
    "partition contents",
  ],
];

async function enterAll(page, lines) {
  for (const line of lines) await enter(page, line);
}

async function checks(page) {
  const items = page.getByTestId("lab-check");
  const out = [];
  for (let i = 0; i < (await items.count()); i++) {
    out.push({ passed: await items.nth(i).getAttribute("data-passed"), text: await items.nth(i).innerText() });
  }
  return out;
}

test("a lab: start it, a wrong command, a hint, the solution, a reload, completion", async () => {
  const page = await openApp(env);
  const panel = page.getByTestId("labs-panel");

  // The catalogue: every lab with its title, objective, time and chapters.
  const items = panel.getByTestId("lab-item");
  assert.ok((await items.count()) >= 9);
  const item = items.filter({ has: page.getByTestId(`lab-start-${LAB}`) });
  assert.match(await item.innerText(), /The application partition and its Crypto Officer/);
  assert.match(await item.innerText(), /about 15 min/);
  assert.match(await item.innerText(), /Chapter 9: Application Partitions/);
  assert.match(await item.innerText(), /Create and initialize the application partition/);
  await screenshot(page, "14-lab-catalogue");

  // Starting asks first; Cancel keeps the factory-fresh unit.
  const start = page.getByTestId(`lab-start-${LAB}`);
  assert.equal(await start.getAttribute("aria-label"), "Start the lab The application partition and its Crypto Officer");
  await start.click();
  await page.getByTestId("lab-start-dialog").waitFor();
  await page.getByTestId("lab-start-cancel").click();
  assert.equal(await page.getByTestId("lab-start-dialog").count(), 0);
  assert.equal(await page.getByTestId("lab-run").count(), 0);
  await start.click();
  await page.getByTestId("lab-start-confirm").click();
  await page.getByTestId("lab-run").waitFor();
  await waitForPrompt(page);

  // The starting state: the start script recovered and initialized the HSM; LunaCM restarted on it.
  const banner = await transcript(page);
  assert.match(banner, /HSM Status ->\s+OK/);
  assert.doesNotMatch(banner, /Transport Mode|partition create/);
  assert.match(await page.getByTestId("lab-title").innerText(), /The application partition and its Crypto Officer/);
  assert.equal(await page.getByTestId("lab-progress").innerText(), "Step 1 of 4");
  assert.equal(await page.getByTestId("lab-step-title").innerText(), "Create the partition");
  const instructions = page.getByTestId("lab-instructions");
  assert.equal(await instructions.locator("code").first().innerText(), "role login -name so");
  assert.equal(await instructions.locator("script, b, i").count(), 0);
  const list = page.getByTestId("lab-checks");
  assert.equal(await list.getAttribute("aria-live"), "polite");
  assert.deepEqual((await checks(page)).map((c) => c.passed), ["false"]);

  // A wrong command (no HSM SO logged in) leaves the check unmet, with the reason as its title.
  assert.match(await run(page, "partition create"), /lunacm:>$/);
  assert.deepEqual((await checks(page)).map((c) => c.passed), ["false"]);
  assert.ok((await page.getByTestId("lab-check").first().getAttribute("title")).length > 0);

  // One hint per click.
  assert.equal(await page.getByTestId("lab-hints").locator("li").count(), 0);
  await page.getByTestId("lab-hint").click();
  await page.getByTestId("lab-hints").locator("li").first().waitFor();
  assert.match(await page.getByTestId("lab-hints").innerText(), /The HSM SO logs in on the admin slot/);
  assert.equal(await page.getByTestId("lab-hint").isDisabled(), true, "step 1 has one hint");
  await screenshot(page, "14-lab-step1-hint");

  // The solution completes the step: the next one appears.
  await enterAll(page, SOLUTIONS[0]);
  await waitForAttribute(page, "lab-run", "data-step", "1");
  assert.equal(await page.getByTestId("lab-step-title").innerText(), "Initialize the partition");
  assert.equal(await page.getByTestId("lab-progress").innerText(), "Step 2 of 4");
  assert.deepEqual((await checks(page)).map((c) => c.passed), ["false", "false"]);
  assert.equal(await page.getByTestId("lab-hints").locator("li").count(), 0, "hints are per step");

  // A reload keeps the lab at that step.
  await page.reload();
  await waitForPrompt(page);
  await page.getByTestId("lab-run").waitFor();
  assert.equal(await page.getByTestId("lab-run").getAttribute("data-step"), "1");
  assert.equal(await page.getByTestId("lab-step-title").innerText(), "Initialize the partition");

  // Viewing the solution shows its lines.
  await page.getByTestId("lab-solution").click();
  await page.getByTestId("lab-solution-lines").waitFor();
  assert.match(await page.getByTestId("lab-solution-lines").innerText(), /partition init -label par1/);

  await enterAll(page, SOLUTIONS[1]);
  await waitForAttribute(page, "lab-run", "data-step", "2");
  assert.equal(await page.getByTestId("lab-solution-lines").count(), 0, "the solution was of the last step");
  await enterAll(page, SOLUTIONS[2]);
  await waitForAttribute(page, "lab-run", "data-step", "3");
  assert.equal(await page.getByTestId("lab-step-title").innerText(), "The Crypto Officer changes its password");

  // A check turns true as soon as the world satisfies it: the Crypto Officer logs in.
  await enterAll(page, SOLUTIONS[3].slice(0, 2));
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="lab-check"][data-passed="true"]').length === 1,
  );
  const state = await checks(page);
  assert.deepEqual(state.map((c) => c.passed), ["false", "false", "true"]);
  assert.match(state[2].text, /Crypto Officer/);
  await screenshot(page, "14-lab-step4-one-check");

  await enterAll(page, SOLUTIONS[3].slice(2));
  await page.getByTestId("lab-done").waitFor();
  assert.equal(await page.getByTestId("lab-progress").innerText(), "All 4 steps done");
  assert.equal(await page.getByTestId("lab-check").count(), 0);
  await screenshot(page, "14-lab-done");

  // Leaving the lab keeps the HSM as it is and shows the catalogue again.
  await page.getByTestId("lab-stop").click();
  await page.getByTestId(`lab-start-${LAB}`).waitFor();
  assert.equal(await page.getByTestId("partition-state").getAttribute("data-state"), "initialized");
  assert.deepEqual(page.errors, []);
});
