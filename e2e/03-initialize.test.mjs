// Story: the user initializes the recovered unit with a label, an SO password and a domain.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  SO_PASSWORD,
  initialize,
  openApp,
  recoverFromStm,
  run,
  screenText,
  screenshot,
  setup,
  transcript,
} from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

test("hsm init -ipwd asks for masked passwords, a domain and proceed; slot list shows the label", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);

  const { prompts, output } = await initialize(page, "myLunaUSB");
  const masked = prompts.filter((p) => p.masked);
  assert.ok(masked.length >= 2, `password and confirmation are masked: ${JSON.stringify(prompts)}`);
  assert.ok(prompts.some((p) => /domain/i.test(p.prompt)), `a domain is asked for: ${JSON.stringify(prompts)}`);
  assert.ok(prompts.some((p) => /proceed/.test(p.prompt)), `proceed is asked for: ${JSON.stringify(prompts)}`);
  assert.match(output, /Command Result : No Error\s*lunacm:>$/);

  // Passwords were never shown: echoed as stars, the input back to text afterwards.
  const text = await transcript(page);
  assert.ok(!text.includes(SO_PASSWORD), "the password is not in the transcript");
  assert.ok(text.includes("*".repeat(SO_PASSWORD.length)), "the password is echoed as stars");
  assert.equal(await page.getByTestId("lunacm-input").getAttribute("type"), "text");

  const slots = await run(page, "slot list");
  assert.match(slots, /Label ->\s*myLunaUSB/);
  assert.match(slots, /HSM Status ->[^\n]*\bOK\b/);
  assert.doesNotMatch(slots, /Zeroized|Transport Mode/);

  const screen = await screenText(page);
  assert.match(screen, /myLunaUSB/);
  assert.doesNotMatch(screen, /Zeroized|Transport Mode/);

  await screenshot(page, "03-initialized");
  assert.deepEqual(page.errors, []);
});
