import { describe, expect, it } from "vitest";
import type { CliIO } from "../../lib/cli/command.ts";
import { createProgress, formatSeconds, kindLine, WindowRate } from "../../lib/cli/progress.ts";
import type { ResourceProgress } from "../../lib/pipeline/run.ts";

const kind = (over: Partial<ResourceProgress>): ResourceProgress => ({
  resource: 0,
  kind: "repository",
  pages: 1,
  items: 100,
  batches: 1,
  entities: 0,
  failures: 0,
  enumerated: true,
  errors: [],
  ...over,
});

function io(env: Record<string, string>, isTTY: boolean) {
  let text = "";
  const cli: CliIO = {
    stdout: { write: () => true },
    stderr: {
      write(t: string) {
        text += t;
        return true;
      },
      isTTY,
    },
    env,
    cwd: ".",
    verbose: false,
  };
  return { cli, text: () => text };
}

describe("progress", () => {
  it("says a kind is still being listed, with no ETA until its total is known", () => {
    expect(kindLine(kind({ enumerated: false, items: 40, entities: 10 }), 5).eta).toBe("still listing");
    expect(kindLine(kind({ items: 100, entities: 40, failures: 10 }), 5)).toEqual({
      done: 50,
      total: 100,
      rate: 5,
      eta: "ETA 10s",
    });
    expect(kindLine(kind({ items: 100, entities: 100 }), 0).eta).toBe("done");
    expect(formatSeconds(125)).toBe("2m05s");
  });

  it("measures the rate over a recent window, so a stall early on does not drag it down", () => {
    const rate = new WindowRate(10_000);
    rate.add(0, 0);
    rate.add(0, 60_000); // a minute of nothing (a rate-limit pause)
    rate.add(500, 65_000);
    // Since the start that would be 500/70 s ≈ 7/s; over the last 10 s it is 100/s.
    expect(Math.round(rate.add(1000, 70_000))).toBe(100);
  });

  it("prints plain lines (no bars, no escape codes) with NO_COLOR even on a terminal", () => {
    const out = io({ NO_COLOR: "1" }, true);
    const progress = createProgress(out.cli, { quiet: false });
    progress.update([kind({ enumerated: false, items: 30, entities: 10 })]);
    progress.stop();
    expect(out.text()).toMatch(
      /^\[0s\] repository 10\/30\+ entities, 1 pages, 0 failed, 0\/s, still listing\n$/,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal escapes
    expect(out.text()).not.toMatch(/\u001b\[/);
  });

  it("prints nothing with --quiet", () => {
    const out = io({}, true);
    const progress = createProgress(out.cli, { quiet: true });
    progress.update([kind({})]);
    progress.stop();
    expect(out.text()).toBe("");
  });
});
