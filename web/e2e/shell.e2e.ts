import { expect, test } from "./harness/fixtures.ts";

test("the app is cross-origin isolated, on every response", async ({ page, request }) => {
  const response = await page.goto("/");
  expect(response?.headers()["cross-origin-opener-policy"]).toBe("same-origin");
  expect(response?.headers()["cross-origin-embedder-policy"]).toBe("require-corp");
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // Static files too (the ORT worker and wasm fail without it).
  const favicon = await request.get("/favicon.svg");
  expect(favicon.headers()["cross-origin-embedder-policy"]).toBe("require-corp");
});

test("navigation works by keyboard and marks the current page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Classify" })
    .focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/classify$/);
  await expect(page.getByRole("link", { name: "Classify" })).toHaveAttribute(
    "aria-current",
    "page",
  );
});

test("without a wallet the app is read-only and says so", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("read-only")).toHaveText(/Read-only/);
});

test("an EIP-6963 wallet is discovered, connects, and switches to the consortium chain", async ({
  page,
  useWallet,
}) => {
  const wallet = await useWallet("outsider", { startChainId: 1 });
  await page.goto("/");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("wallet-address")).toHaveAttribute("title", wallet.account.address);
  // The wallet started on chain 1: connecting asked it to switch to the consortium chain.
  expect(wallet.calls).toContain("wallet_switchEthereumChain");
  await expect(page.getByRole("button", { name: /Switch to/ })).toHaveCount(0);
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByRole("button", { name: "Connect Test Wallet" })).toBeVisible();
});
