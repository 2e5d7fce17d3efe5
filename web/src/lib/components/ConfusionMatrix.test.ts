import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import ConfusionMatrix from "./ConfusionMatrix.svelte";

/** The cells of the rendered matrix: one row per `<tr>` in the body, header cell first. */
function cells(html: string): string[][] {
  const body = html.slice(html.indexOf("<tbody"), html.indexOf("</tbody>"));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] as string).matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) =>
      (c[1] as string).replace(/<!--[\s\S]*?-->/g, "").trim(),
    ),
  );
}

describe("ConfusionMatrix", () => {
  it("draws a 4 x 4 matrix with true labels as rows and predicted labels as columns", () => {
    const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
    const matrix = [
      [90, 5, 3, 2],
      [4, 80, 6, 10],
      [0, 1, 120, 0],
      [1, 2, 0, 97],
    ];
    const { body } = render(ConfusionMatrix, { props: { labels, matrix, title: "test" } });
    expect(cells(body)).toEqual(labels.map((label, i) => [label, ...matrix[i]!.map(String)]));
    // Columns are the predicted labels, in the card's order, after the corner cell.
    const head = body.slice(body.indexOf("<thead"), body.indexOf("</thead>"));
    const columns = [...head.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(columns.slice(-4)).toEqual(labels);
    // Each cell says in words what it counts (screen readers, hover).
    expect(body).toContain('title="true meningioma, predicted pituitary: 10"');
  });

  it("draws a binary card's 2 x 2 matrix", () => {
    const { body } = render(ConfusionMatrix, {
      props: {
        labels: ["no", "yes"],
        matrix: [
          [50, 3],
          [4, 60],
        ],
        title: "binary",
      },
    });
    expect(cells(body)).toEqual([
      ["no", "50", "3"],
      ["yes", "4", "60"],
    ]);
  });

  it("refuses a matrix that is not K x K for the K labels, naming both sizes", () => {
    const { body } = render(ConfusionMatrix, {
      props: {
        labels: ["glioma", "meningioma", "no_tumor", "pituitary"],
        matrix: [
          [1, 2],
          [3, 4],
        ],
        title: "test",
      },
    });
    expect(body).not.toContain("<table");
    expect(body).toMatch(/matrix is 2 x 2, but the model has\s+4 labels/);
  });
});
