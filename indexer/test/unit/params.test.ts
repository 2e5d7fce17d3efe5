import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BadRequestError,
  downloadsQuery,
  MAX_PAGE_SIZE,
  parseOrThrow,
  singleValued,
  summaryQuery,
} from "../../src/api/audit/params.ts";

function problems(input: Record<string, string>) {
  try {
    parseOrThrow(downloadsQuery, input);
  } catch (error) {
    assert.ok(error instanceof BadRequestError);
    return error.problems;
  }
  assert.fail("expected a BadRequestError");
}

describe("audit query parameters", () => {
  it("accepts a full filter and normalises it", () => {
    const q = parseOrThrow(downloadsQuery, {
      model: "12",
      institution: "2",
      account: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
      kind: "patient",
      from: "2026-11-01",
      to: "2026-11-30",
      page: "3",
      pageSize: "50",
      format: "csv",
    });
    assert.equal(q.model, 12n);
    assert.equal(q.institution, 2n);
    assert.equal(q.account, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assert.equal(q.from, BigInt(Date.UTC(2026, 10, 1) / 1000));
    // A bare `to` date covers that whole day.
    assert.equal(q.to, BigInt(Date.UTC(2026, 10, 30) / 1000 + 86_399));
    assert.deepEqual([q.page, q.pageSize, q.format], [3, 50, "csv"]);
  });

  it("defaults to the first page of 100", () => {
    const q = parseOrThrow(downloadsQuery, {});
    assert.deepEqual([q.page, q.pageSize], [1, 100]);
  });

  it("takes an institution as an id or as its account address", () => {
    assert.equal(parseOrThrow(downloadsQuery, { institution: "7" }).institution, 7n);
    assert.equal(
      parseOrThrow(downloadsQuery, { institution: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" })
        .institution,
      "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    );
  });

  it("accepts date-times with a zone", () => {
    const q = parseOrThrow(downloadsQuery, { from: "2026-11-26T12:30:00+02:00" });
    assert.equal(q.from, BigInt(Date.UTC(2026, 10, 26, 10, 30) / 1000));
  });

  it("names a bad address", () => {
    const [p] = problems({ account: "0x1234" });
    assert.equal(p?.parameter, "account");
    assert.match(p?.message ?? "", /not an address: "0x1234"/);
  });

  it("names bad and impossible dates, and a reversed range", () => {
    assert.match(problems({ from: "yesterday" })[0]?.message ?? "", /not a date: "yesterday"/);
    assert.match(problems({ to: "2026-02-31" })[0]?.message ?? "", /not a real date/);
    assert.match(problems({ from: "2026-11-26T12:00:00" })[0]?.message ?? "", /with a zone/);
    const [reversed] = problems({ from: "2026-11-27", to: "2026-11-26" });
    assert.equal(reversed?.parameter, "from");
    assert.match(reversed?.message ?? "", /after `to`/);
  });

  it("refuses a huge, zero or fractional page size and page 0", () => {
    assert.match(
      problems({ pageSize: "100000" })[0]?.message ?? "",
      new RegExp(`at most ${MAX_PAGE_SIZE}`),
    );
    assert.equal(problems({ pageSize: "0" })[0]?.parameter, "pageSize");
    assert.equal(problems({ pageSize: "2.5" })[0]?.parameter, "pageSize");
    assert.equal(problems({ page: "0" })[0]?.parameter, "page");
    assert.equal(problems({ page: "abc" })[0]?.parameter, "page");
  });

  it("refuses unknown kinds, formats, model ids and parameters", () => {
    assert.equal(problems({ kind: "robot" })[0]?.parameter, "kind");
    assert.equal(problems({ format: "xml" })[0]?.parameter, "format");
    assert.equal(problems({ model: "-1" })[0]?.parameter, "model");
    const [unknown] = problems({ modle: "1" });
    assert.deepEqual(unknown, { parameter: "modle", message: "unknown parameter" });
  });

  it("reports every problem at once", () => {
    const all = problems({ account: "nope", from: "soon", pageSize: "5000" });
    assert.deepEqual(all.map((p) => p.parameter).sort(), ["account", "from", "pageSize"]);
  });

  it("applies the same range rules to summaries", () => {
    assert.throws(
      () => parseOrThrow(summaryQuery, { from: "2026-12-01", to: "2026-11-01" }),
      BadRequestError,
    );
    assert.throws(() => parseOrThrow(summaryQuery, { pageSize: "10" }), BadRequestError);
  });

  it("refuses a parameter given twice, naming each (security review, issue 15)", () => {
    // `?task=a&task=b`: the framework would keep the first, a proxy may read the last.
    try {
      singleValued({
        task: ["brain-tumor-mri/type", "brain-tumor-mri/binary"],
        page: ["1", "2", "3"],
        model: ["1"],
      });
      assert.fail("expected a BadRequestError");
    } catch (error) {
      assert.ok(error instanceof BadRequestError);
      assert.deepEqual(error.problems, [
        { parameter: "task", message: "given 2 times; give it once" },
        { parameter: "page", message: "given 3 times; give it once" },
      ]);
    }
    assert.deepEqual(singleValued({ task: ["brain-tumor-mri/type"], format: [""] }), {
      task: "brain-tumor-mri/type",
      format: "",
    });
  });
});
