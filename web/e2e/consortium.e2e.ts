import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "@playwright/test";
import { advanceChainTime } from "./harness/chain-time.ts";
import { expect, type Stack, test } from "./harness/fixtures.ts";
import { artifactsDir } from "./harness/models.ts";
import { installTestWallet } from "./harness/test-wallet.ts";

/** A page of the consortium view with `name`'s wallet connected. */
async function memberPage(browser: Browser, stack: Stack, name: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.webUrl });
  const page = await context.newPage();
  await installTestWallet(page, {
    privateKey: stack.account(name).privateKey,
    rpcUrl: stack.rpcUrl,
    chainId: stack.chainId,
  });
  await page.goto("/consortium");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("roles")).toContainText("Member");
  return page;
}

test("members vote an admission through proposal, vote, queue and execution", async ({
  browser,
  stack,
}) => {
  test.setTimeout(150_000);
  const parameters = JSON.parse(readFileSync(stack.chain.deploymentFile, "utf8")).parameters as {
    votingDelay: number;
    votingPeriod: number;
    timelockDelay: number;
  };
  const candidate = stack.account("candidate");
  const name = `Delta Institute ${Date.now() % 10_000}`;
  const a = await memberPage(browser, stack, "institution-a");
  const b = await memberPage(browser, stack, "institution-b");
  const membersBefore = await a.getByTestId("member").count();

  await a.getByLabel("Admit an institution").check();
  await a.getByLabel("Account").fill(candidate.address);
  await a.getByLabel("Institution name").fill(name);
  await a.getByRole("button", { name: "Submit proposal" }).click();
  await expect(a.getByText("Propose: done.")).toBeVisible({ timeout: 30_000 });
  const proposal = (page: Page) =>
    page.getByTestId("proposal").filter({ hasText: `Admit ${name}` });
  await expect(proposal(a).getByTestId("proposal-state")).toHaveText("Pending");

  await advanceChainTime(stack.rpcUrl, parameters.votingDelay + 1);
  for (const page of [a, b]) {
    await page.reload();
    await expect(proposal(page).getByTestId("proposal-state")).toHaveText("Active");
    await expect(proposal(page)).toContainText("Voting ends");
    await proposal(page).getByRole("button", { name: "Vote for" }).click();
    await expect(proposal(page).getByText("Vote for: done.")).toBeVisible({ timeout: 30_000 });
  }
  await expect(proposal(b)).toContainText("2 for, 0 against");

  await advanceChainTime(stack.rpcUrl, parameters.votingPeriod + 1);
  await a.reload();
  await expect(proposal(a).getByTestId("proposal-state")).toHaveText("Succeeded");
  await proposal(a).getByRole("button", { name: "Queue in the timelock" }).click();
  await expect(proposal(a).getByTestId("proposal-state")).toHaveText("Queued", { timeout: 30_000 });
  await expect(proposal(a)).toContainText("Executable after the timelock");

  await advanceChainTime(stack.rpcUrl, parameters.timelockDelay + 1);
  await a.reload();
  await proposal(a).getByRole("button", { name: "Execute" }).click();
  await expect(proposal(a).getByTestId("proposal-state")).toHaveText("Executed", {
    timeout: 30_000,
  });
  await a.reload();
  await expect(a.getByTestId("member")).toHaveCount(membersBefore + 1);
  await expect(a.getByTestId("members")).toContainText(name);
  await a.screenshot({ path: join(artifactsDir, "consortium.png"), fullPage: true });
});

test("a proposal with a bad address is refused before any transaction", async ({
  page,
  useWallet,
}) => {
  const wallet = await useWallet("institution-c");
  await page.goto("/consortium");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await page.getByLabel("Grant a role").check();
  await page.getByLabel("Account").fill("0x1234");
  await page.getByRole("button", { name: "Submit proposal" }).click();
  await expect(page.getByRole("alert")).toContainText("Enter the account as a 0x address");
  expect(wallet.calls).not.toContain("eth_sendTransaction");
});

test("the same action proposed twice gets two proposals (each description is unique)", async ({
  browser,
  stack,
}) => {
  // Issue 11, kind 8: identical descriptions gave identical proposal ids, so the second
  // propose reverted (GovernorUnexpectedProposalState); a grant, revoke, grant again could not pass.
  const page = await memberPage(browser, stack, "institution-c");
  const account = `0x${Array.from({ length: 40 }, () => Math.floor(Math.random() * 16).toString(16)).join("")}`;
  const title = `Grant auditor role to ${account}`;
  const proposals = page.getByTestId("proposal").filter({ hasText: title });
  for (const expected of [1, 2]) {
    await page.getByLabel("Grant a role").check();
    await page.getByLabel("Account").fill(account);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "auditor" });
    await page.getByRole("button", { name: "Submit proposal" }).click();
    await expect(proposals).toHaveCount(expected, { timeout: 30_000 });
  }
  await expect(page.getByRole("alert")).toHaveCount(0);
  // Two live proposals (the voting delay is 1 s on the dev chain, so the first may be Active).
  for (const state of await proposals.getByTestId("proposal-state").allTextContents())
    expect(["Pending", "Active"]).toContain(state);
});
