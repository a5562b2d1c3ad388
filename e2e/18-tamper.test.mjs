// Story: a trainee overheats the unit with the environment control: it halts with a tamper, which the
// touchscreen and `slot list` show and every command but the recovering ones refuses. Cooling it down is
// not enough: the host's lunareset brings it back, `hsm tampershow` says the tamper is cleared, and the
// audit log holds the tamper record although the Auditor logs nothing else.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { initialize, openApp, recoverFromStm, run, screenshot, setup, storedFiles } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("overheat, halt, cool down, lunareset, tamper in the audit log", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  for (const line of [
    "role init -name au -password audpass1",
    "role login -name au -password audpass1",
    "role setdomain -name au -domain auditdomain1",
    "audit config path /var/audit evmask none",
    "role logout",
  ]) {
    assert.match(await run(page, line), /Command Result : No Error/);
  }
  await initialize(page);
  const panel = page.getByTestId("environment-panel");
  const status = panel.getByTestId("env-status");
  assert.match(await status.innerText(), /HSM Status: OK/);

  // Overheated from the keyboard: type the temperature, press Enter.
  const temperature = panel.getByTestId("env-temperature");
  await temperature.fill("74");
  await temperature.press("Enter");
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="env-status"]').innerText.includes("Hardware Tamper"),
  );
  assert.match(await page.getByTestId("screen-status").innerText(), /HALTED/);
  assert.match(await run(page, "slot list"), /HSM Status ->\s+Hardware Tamper/);
  assert.match(await run(page, "partition create"), /CKR_DEVICE_ERROR/);
  await screenshot(page, "18-tamper");

  // Cooled down by mouse; the unit stays halted until it is reset.
  await temperature.fill("25");
  await panel.getByTestId("env-apply").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="env-status"]').innerText.startsWith("25.0 C"));
  assert.match(await status.innerText(), /Hardware Tamper/);
  assert.match(await run(page, "lunareset"), /lunareset: Device 1 was reset\. HSM Status: OK\./);
  assert.match(await run(page, "hsm tampershow"), /over temperature \(74\.0 C\)[\s\S]*Cleared by a reset/);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="env-status"]').innerText.includes("HSM Status: OK"),
  );

  // The tamper is in the log, though the event mask logs nothing else.
  const files = await storedFiles(page);
  const log = Object.entries(files).find(([name]) => name.endsWith(".log"))?.[1] ?? "";
  assert.match(log, /operation LUNA_TAMPER returned LUNA_RET_OK\(0x00000000\) over temperature \(74\.0 C\)/);

  // A bad value is a message, and changes nothing.
  await temperature.fill("");
  await panel.getByTestId("env-apply").click();
  assert.match(await panel.getByTestId("env-error").innerText(), /degrees Celsius/);
  assert.deepEqual(page.errors, []);
});
