import assert from "node:assert/strict";
import { it } from "node:test";
import { toCsv } from "../../src/api/audit/csv.ts";

it("writes RFC 4180 CSV with quoting, decimals and empty nulls", () => {
  const csv = toCsv(
    ["id", "name", "block", "note"],
    [
      { id: 1, name: 'St. "Mary", Oslo', block: 123456789012345678901234567890n, note: null },
      { id: 2, name: "line\nbreak", block: 7n, note: undefined },
    ],
  );
  assert.equal(
    csv,
    'id,name,block,note\r\n1,"St. ""Mary"", Oslo",123456789012345678901234567890,\r\n2,"line\nbreak",7,\r\n',
  );
});

it("defuses text a spreadsheet would run as a formula", () => {
  const csv = toCsv(["name"], [{ name: '=HYPERLINK("x")' }, { name: "@SUM(A1)" }, { name: "+1" }]);
  assert.equal(csv, 'name\r\n"\'=HYPERLINK(""x"")"\r\n\'@SUM(A1)\r\n\'+1\r\n');
});

it("writes only the header for no rows", () => {
  assert.equal(toCsv(["a", "b"], []), "a,b\r\n");
});
