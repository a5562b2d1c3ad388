// Story: an administrator with a training unit on a USB cable connects it, and the same terminal drives
// it: LunaCM starts on the unit, a procedure runs on it, pulling the cable in the middle of an iKey
// ceremony fails the command with a clear message and gives the simulator back, untouched; reconnecting
// finds the unit as it was left. A genuine Thales unit is only described; a device the page cannot use,
// a cancelled chooser and a claimed interface each get their own message; a browser without WebUSB gets a
// plain explanation and the simulator as before.
//
// navigator.usb is a double (e2e/lib/usb-double.js) whose bulk endpoints are backed by a second
// instance of the simulator's worker running as the unit: the device end of the same protocol.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  dragToPort,
  initialize,
  openApp,
  openAppWithUsbDouble,
  run,
  screenText,
  screenshot,
  setup,
  tap,
  transcript,
  waitForKeyPlace,
  waitForPrompt,
  waitForScreen,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

/** The simulated unit's serial number, as `slot list` shows it. */
async function serialShown(page) {
  const out = await run(page, "slot list");
  return out.match(/Serial Number ->\s+(\S+)/)[1];
}

async function connect(page) {
  await page.getByTestId("usb-connect").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="usb-status"]')?.textContent.includes("firmware"),
  );
  await waitForPrompt(page);
}

test("the terminal drives a training unit on the cable; unplugging mid-ceremony gives the simulator back", async () => {
  const page = await openAppWithUsbDouble(env);
  const simulated = await serialShown(page);

  await connect(page);
  const status = await page.getByTestId("usb-status").textContent();
  assert.match(status, /Attached over USB: Luna G7 serial \d+ \(firmware [\d.]+\)/);
  const unitSerial = status.match(/serial (\d+)/)[1];
  assert.notEqual(unitSerial, simulated, "the unit is not the simulated one");
  const banner = await transcript(page);
  assert.match(banner, /^Connected over USB to hsm-device [\d.]+ \(serial \d+, firmware [\d.]+, protocol 1\)\./);
  assert.ok(banner.includes(`Serial Number ->        ${unitSerial}`), banner);
  assert.equal(await serialShown(page), unitSerial, "slot list lists the unit on the cable");
  await screenshot(page, "29-usb-attached");

  // `sim` is the simulator's, not the unit's.
  assert.match(await run(page, "sim email"), /'sim' commands act on the simulated unit/);

  // Out of Secure Transport Mode, then an iKey initialization: LunaCM waits for the unit's touchscreen.
  assert.match(await run(page, "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP"), /proceed/);
  assert.match(await run(page, "proceed"), /Command Result : No Error/);
  assert.match(await run(page, "hsm init -label cable -iped"), /proceed/);
  assert.match(await run(page, "proceed"), /Please attend to the PED\./);
  // The touchscreen is the unit's: its ceremony, tapped from the page; an iKey from the desk goes into
  // the unit's port.
  await waitForScreen(page, /Reuse an existing keyset, or create a new one\?/);
  await tap(page, "New");
  await waitForScreen(page, /M: splits needed/);
  await dragToPort(page, 1);
  await screenshot(page, "29-usb-ceremony-on-the-unit");
  // LunaCM asks the unit how the ceremony stands, every second, over the cable.
  const before = await page.evaluate(() => window.usbDouble.transfers);
  await page.waitForFunction((n) => window.usbDouble.transfers > n + 1, before);

  await page.evaluate(() => window.usbDouble.unplug());
  await waitForPrompt(page);
  const after = await transcript(page);
  assert.match(after, /CKR_TOKEN_NOT_PRESENT/);
  assert.match(after, /iKey 1 is back on the desk\.\s+The unit was unplugged\.\s+Back to the simulated unit\./);
  await waitForKeyPlace(page, 1, false);
  assert.match(await screenText(page), /Transport Mode/, "the touchscreen is the simulated unit's again");
  await page.getByTestId("usb-connect").waitFor();
  assert.equal(await page.getByTestId("usb-status").textContent(), "");
  // The simulated unit is as it was: still in Secure Transport Mode, under its own serial.
  assert.equal(await serialShown(page), simulated);
  assert.match(await run(page, "hsm showinfo"), /Transport Mode/);
  await screenshot(page, "29-usb-unplugged");

  // Reconnecting finds the unit as it was left: out of STM, not initialized (the ceremony was abandoned).
  await connect(page);
  assert.match(await run(page, "hsm showinfo"), /Partition Status -> Zeroized/);
  const { output } = await initialize(page, "cable");
  assert.match(output, /Command Result : No Error\s+lunacm:>\s*$/);
  assert.match(await run(page, "hsm showinfo"), /Label -> +cable/);

  // Disconnect: the simulator's terminal again, its world untouched.
  await page.getByTestId("usb-disconnect").click();
  await page.getByTestId("usb-connect").waitFor();
  await waitForPrompt(page);
  assert.match(await transcript(page), /The unit was disconnected\.\s+Back to the simulated unit\./);
  assert.equal(await serialShown(page), simulated);
  assert.doesNotMatch(await run(page, "hsm showinfo"), /Label -> +cable/);
  assert.deepEqual(page.errors, []);
});

test("a genuine unit is described, not driven; other failures each say what happened", async () => {
  const page = await openAppWithUsbDouble(env);
  const problem = () => page.getByTestId("usb-problem").textContent();

  await page.evaluate(() => (window.usbDouble.choice = "genuine"));
  await page.getByTestId("usb-connect").click();
  const genuine = await page.getByTestId("usb-genuine").textContent();
  assert.match(genuine, /genuine unit: Thales Luna USB HSM/);
  assert.match(genuine, /serial 654321, firmware 7\.8\.4 \(from its bcdDevice\)/);
  assert.match(genuine, /needs Thales' LunaCM and driver/);
  await screenshot(page, "29-usb-genuine");

  await page.evaluate(() => (window.usbDouble.choice = "cancel"));
  await page.getByTestId("usb-connect").click();
  await page.getByTestId("usb-problem").waitFor();
  assert.equal(await problem(), "No device was chosen.");

  await page.evaluate(() => (window.usbDouble.choice = "keyboard"));
  await page.getByTestId("usb-connect").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="usb-problem"]')?.textContent.includes("no interface"),
  );
  assert.match(await problem(), /USB keyboard \(0000:0000\) has no interface this page can use/);

  await page.evaluate(() => {
    window.usbDouble.choice = "trainer";
    window.usbDouble.claimError = "NetworkError";
  });
  await page.getByTestId("usb-connect").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="usb-problem"]')?.textContent.includes("claimed"),
  );
  assert.match(await problem(), /claimed by another program or an operating-system driver/);

  await page.evaluate(() => {
    window.usbDouble.claimError = "SecurityError";
  });
  await page.getByTestId("usb-connect").click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="usb-problem"]')?.textContent.includes("protected"),
  );
  assert.match(await problem(), /protected interface classes/);
  // None of it attached anything: the terminal is the simulator's.
  assert.equal(await page.getByTestId("usb-status").textContent(), "");
  assert.deepEqual(page.errors, []);
});

test("a browser without WebUSB says so and the simulator works as before", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(() => {
    delete Navigator.prototype.usb;
  });
  const page = await openApp(env, context);
  assert.match(await page.getByTestId("usb-unsupported").textContent(), /This browser has no WebUSB/);
  assert.equal(await page.getByTestId("usb-connect").count(), 0);
  assert.match(await run(page, "slot list"), /Serial Number ->/);
  assert.deepEqual(page.errors, []);
});
