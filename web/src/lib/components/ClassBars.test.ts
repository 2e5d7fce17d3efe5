import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import ClassBars from "./ClassBars.svelte";

/** Each bar's label, value attribute, width and visible text. */
function bars(html: string) {
  return [...html.matchAll(/<li data-testid="class-bar"([^>]*)>([\s\S]*?)<\/li>/g)].map((m) => {
    const attrs = m[1] as string;
    const inner = (m[2] as string).replace(/<!--[\s\S]*?-->/g, "");
    return {
      label: attrs.match(/data-label="([^"]*)"/)?.[1],
      value: Number(attrs.match(/data-value="([^"]*)"/)?.[1]),
      predicted: /class="[^"]*predicted/.test(attrs),
      width: inner.match(/width: ([\d.]+)%/)?.[1],
      text: inner.match(/<span class="value[^"]*">([^<]*)<\/span>/)?.[1],
    };
  });
}

describe("ClassBars", () => {
  const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
  const probabilities = { glioma: 0.07, meningioma: 0.812, no_tumor: 0.1, pituitary: 0.018 };

  it("draws one bar per label in the card's order, each with its value as text", () => {
    const { body } = render(ClassBars, {
      props: { labels, probabilities, predicted: "meningioma", caption: "Class probabilities" },
    });
    expect(bars(body)).toEqual([
      { label: "glioma", value: 0.07, predicted: false, width: "7.0", text: "7.0 %" },
      { label: "meningioma", value: 0.812, predicted: true, width: "81.2", text: "81.2 %" },
      { label: "no_tumor", value: 0.1, predicted: false, width: "10.0", text: "10.0 %" },
      { label: "pituitary", value: 0.018, predicted: false, width: "1.8", text: "1.8 %" },
    ]);
    // Screen readers get the list's name and which class was predicted, in words.
    expect(body).toContain('aria-label="Class probabilities"');
    expect(body.replace(/<!--[\s\S]*?-->/g, "")).toMatch(
      /meningioma<span class="visually-hidden"> \(predicted\)<\/span>/,
    );
    expect(body.match(/\(predicted\)/g)).toHaveLength(1);
  });

  it("draws a binary model's two classes", () => {
    const { body } = render(ClassBars, {
      props: {
        labels: ["no", "yes"],
        probabilities: { no: 0.25, yes: 0.75 },
        predicted: "yes",
        caption: "c",
      },
    });
    expect(bars(body).map((b) => [b.label, b.text, b.predicted])).toEqual([
      ["no", "25.0 %", false],
      ["yes", "75.0 %", true],
    ]);
  });
});
