// Story: three wrong HSM SO passwords in a row zeroize the HSM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { enter, initialize, openApp, recoverFromStm, run, screenText, screenshot, setup } from "./lib/harness.mjs";

let env;
before(async () => {
  env = await setup();
});
after(() => env?.close());

const THRESHOLD = /LUNA_RET_SO_LOGIN_FAILURE_THRESHOLD|CKR_SO_LOGIN_FAILURE_THRESHOLD/;

test("the third wrong SO password zeroizes the HSM", async () => {
  const page = await openApp(env);
  await recoverFromStm(page);
  await initialize(page, "myLunaUSB");

  const answers = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    await run(page, "role login -name so");
    assert.equal(
      await page.getByTestId("lunacm-input").getAttribute("type"),
      "password",
      `the SO password prompt of attempt ${attempt} is masked`,
    );
    const out = await enter(page, "Wrong-pass-1");
    assert.ok(out.startsWith("*".repeat("Wrong-pass-1".length)), "the wrong password is echoed as stars");
    answers.push(out);
  }
  assert.doesNotMatch(answers[0], THRESHOLD);
  assert.doesNotMatch(answers[1], THRESHOLD);
  assert.match(answers[2], THRESHOLD);

  const slots = await run(page, "slot list");
  assert.match(slots, /HSM Status ->[^\n]*Zeroized/);
  assert.match(await screenText(page), /Zeroized/);

  await screenshot(page, "05-zeroized-by-bad-logins");
  assert.deepEqual(page.errors, []);
});
