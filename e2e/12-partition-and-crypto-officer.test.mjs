// Story: the HSM SO creates the application partition, its Partition SO initializes it and a Crypto
// Officer, who must change the password the Partition SO gave before doing anything else. The device
// drawing follows the slots and logins, the policies panel follows policy changes, and an exported policy
// template shows in the host-files panel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  SO_PASSWORD,
  initialize,
  login,
  openApp,
  recoverFromStm,
  run,
  runAnswering,
  screenshot,
  setup,
  transcript,
  waitForAttribute,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const PO_PASSWORD = "PO-pass-001";
const PARTITION_DOMAIN = "partDomain01";
const CO_ASSIGNED = "userpin1";
const CO_OWN = "userpin2x";
const NO_ERROR = /Command Result : No Error\s*lunacm:>$/;

test("partition, Partition SO and Crypto Officer: the forced password change, the legend, policies and files", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await initialize(page, "X");

  // The transcript is a live log for screen readers.
  const output = page.getByTestId("lunacm-output");
  assert.equal(await output.getAttribute("role"), "log");
  assert.equal(await output.getAttribute("aria-live"), "polite");

  // Before anything: admin slot current, nobody logged in, no partition, no partition policies.
  const legend = page.getByTestId("slot-status");
  assert.equal(await page.getByTestId("current-slot").getAttribute("data-slot"), "4");
  assert.equal(await page.getByTestId("admin-role").getAttribute("data-role"), "");
  assert.equal(await page.getByTestId("partition-state").getAttribute("data-state"), "none");
  assert.equal(await page.getByTestId("policies-panel").getByTestId("policy-partition-20").count(), 0);
  // HSM policies 0 and 1 show how the HSM was initialized, as hsm showpolicies does.
  assert.equal(await page.getByTestId("policy-hsm-0").getAttribute("data-value"), "1");
  assert.equal(await page.getByTestId("policy-hsm-1").getAttribute("data-value"), "0");
  assert.match(await run(page, "hsm showpolicies"), /0: PIN-based authentication : 1/);

  assert.match(await login(page, "so", SO_PASSWORD), NO_ERROR);
  await waitForAttribute(page, "admin-role", "data-role", "so");
  assert.match(await page.getByTestId("admin-role").innerText(), /HSM SO logged in/);

  assert.match(await run(page, "partition create"), /Partition created in slot 3\./);
  await waitForAttribute(page, "partition-state", "data-state", "uninitialized");
  assert.match(await page.getByTestId("partition-state").innerText(), /not initialized/);
  // A created partition has its policies at once.
  await page.getByTestId("policy-partition-20").waitFor();
  assert.equal(await page.getByTestId("policy-partition-20").getAttribute("data-value"), "10");

  assert.match(await run(page, "slot set -slot 3"), /Current Slot Id: 3/);
  await waitForAttribute(page, "current-slot", "data-slot", "3");

  const init = await run(
    page,
    `partition init -label P -password ${PO_PASSWORD} -domain ${PARTITION_DOMAIN} -force`,
  );
  assert.match(init, NO_ERROR);
  await waitForAttribute(page, "partition-state", "data-state", "initialized");
  assert.equal(await page.getByTestId("partition-state").getAttribute("data-label"), "P");
  assert.match(await page.getByTestId("partition-state").innerText(), /"P"/);

  // The Partition SO creates the Crypto Officer with a password the officer must change.
  assert.match(await login(page, "po", PO_PASSWORD), NO_ERROR);
  await waitForAttribute(page, "partition-role", "data-role", "po");
  assert.equal(await page.getByTestId("admin-role").getAttribute("data-role"), "so", "the SO stays on slot 4");
  assert.match(await run(page, `role init -name co -password ${CO_ASSIGNED}`), NO_ERROR);
  assert.match(await run(page, "role logout"), NO_ERROR);
  await waitForAttribute(page, "partition-role", "data-role", "");

  // The Crypto Officer logs in with the assigned password: only changing it is allowed.
  assert.match(await login(page, "co", CO_ASSIGNED), NO_ERROR);
  await waitForAttribute(page, "partition-role", "data-role", "co");
  const refused = await run(page, "role init -name cu -password userpin3");
  assert.match(refused, /CKR_PIN_EXPIRED/);
  assert.match(refused, /role changepw/);
  await screenshot(page, "12-co-must-change-password");

  const prompts = [];
  const changed = await runAnswering(page, "role changepw -name co", (prompt, masked) => {
    prompts.push({ prompt, masked });
    if (/existing|current|old/i.test(prompt)) return masked ? CO_ASSIGNED : undefined;
    if (/new password/i.test(prompt)) return masked ? CO_OWN : undefined;
    if (/proceed/i.test(prompt)) return "proceed";
    return undefined;
  });
  assert.match(changed, NO_ERROR);
  assert.ok(prompts.filter((p) => p.masked).length >= 3, `three masked prompts: ${JSON.stringify(prompts)}`);
  const text = await transcript(page);
  // (The assigned password and the Partition SO's were typed as options, so they are in it.)
  for (const secret of [CO_OWN, SO_PASSWORD]) {
    assert.ok(!text.includes(secret), `${secret}, typed at a prompt, is not in the transcript`);
  }
  // Now the Crypto Officer may act.
  assert.match(await run(page, "role init -name cu -password userpin3"), NO_ERROR);

  // The drawing shows the Crypto Officer logged in on the partition, the HSM SO on the admin slot.
  assert.equal(await page.getByTestId("partition-role").innerText(), "Crypto Officer logged in");
  assert.equal(await page.getByTestId("admin-role").innerText(), "HSM SO logged in");
  assert.equal(await page.getByTestId("partition-activated").getAttribute("data-roles"), "");
  assert.match(await legend.innerText(), /current slot 3/);
  await screenshot(page, "12-crypto-officer-logged-in");

  // The Partition SO lowers the failed-login limit: the policies panel follows.
  assert.match(await run(page, "role logout"), NO_ERROR);
  assert.match(await login(page, "po", PO_PASSWORD), NO_ERROR);
  const policy = await runAnswering(page, "partition changepolicy -policy 20 -value 5", (prompt) =>
    /proceed/i.test(prompt) ? "proceed" : undefined,
  );
  assert.match(policy, NO_ERROR);
  await waitForAttribute(page, "policy-partition-20", "data-value", "5");
  assert.match(await page.getByTestId("policy-partition-20").innerText(), /Max failed user logins allowed\s+5/);

  // The HSM SO changes an HSM policy: the panel follows that too.
  assert.match(await run(page, "slot set -slot 4"), /Current Slot Id: 4/);
  await waitForAttribute(page, "current-slot", "data-slot", "4");
  assert.equal(await page.getByTestId("policy-hsm-6").getAttribute("data-value"), "1");
  const hsmPolicy = await runAnswering(page, "hsm changehsmpolicy -policy 6 -value 0", (prompt) =>
    /proceed/i.test(prompt) ? "proceed" : undefined,
  );
  assert.match(hsmPolicy, NO_ERROR);
  await waitForAttribute(page, "policy-hsm-6", "data-value", "0");
  await page.getByTestId("policy-partition-20").scrollIntoViewIfNeeded();
  await screenshot(page, "12-policies-panel");

  // An exported template is a file on the host: the files panel lists it and shows its text.
  assert.match(await run(page, "hsm showpolicies -exporttemplate /tmp/HSMPT"), /written to \/tmp\/HSMPT/);
  const files = page.getByTestId("files-panel");
  const item = files.getByTestId("file-item").filter({ hasText: "/tmp/HSMPT" });
  await item.waitFor();
  assert.equal(await files.getByTestId("file-item").count(), 1);
  assert.equal(await item.getAttribute("data-name"), "/tmp/HSMPT");
  await item.getByRole("button").click();
  const shown = await files.getByTestId("file-text").inputValue();
  assert.match(shown, /^# HSM Policy template/);
  assert.match(shown, /^6:"Allow masking":0$/m, "the template holds the changed policy");
  await screenshot(page, "12-exported-template");
  assert.deepEqual(page.errors, []);
});
