import { render } from "svelte/server";
import { describe, expect, it } from "vitest";
import ClassPicker from "./ClassPicker.svelte";

/** The radios: value, whether checked, and the label text after each. */
function radios(html: string) {
  return [...html.matchAll(/<label[^>]*><input([^>]*)>([\s\S]*?)<\/label>/g)].map((m) => ({
    value: (m[1] as string).match(/value="([^"]*)"/)?.[1],
    checked: / checked/.test(m[1] as string),
    name: (m[1] as string).match(/name="([^"]*)"/)?.[1],
    text: (m[2] as string)
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/\s+/g, " ")
      .trim(),
  }));
}

const noop = () => undefined;
const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];

describe("ClassPicker", () => {
  it("offers the predicted class and every label of a 4-class model, the default checked", () => {
    const { body } = render(ClassPicker, {
      props: { labels, positiveLabel: null, value: null, name: "heat-type", onchange: noop },
    });
    expect(body).toMatch(/<legend[^>]*>Heatmap of<\/legend>/);
    expect(radios(body)).toEqual([
      { value: "", checked: true, name: "heat-type", text: "each image's predicted class" },
      ...labels.map((l) => ({ value: l, checked: false, name: "heat-type", text: `“${l}”` })),
    ]);
  });

  it("checks the label the clinician picked", () => {
    const { body } = render(ClassPicker, {
      props: { labels, positiveLabel: null, value: "pituitary", name: "h", onchange: noop },
    });
    expect(
      radios(body)
        .filter((r) => r.checked)
        .map((r) => r.value),
    ).toEqual(["pituitary"]);
  });

  it("names a binary model's default: the tumor class", () => {
    const { body } = render(ClassPicker, {
      props: {
        labels: ["no", "yes"],
        positiveLabel: "yes",
        value: null,
        name: "h",
        onchange: noop,
      },
    });
    expect(radios(body)[0]?.text).toBe("the tumor class (“yes”)");
    expect(radios(body).map((r) => r.value)).toEqual(["", "no", "yes"]);
  });
});
