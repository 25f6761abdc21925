import { describe, expect, it } from "vitest";
import {
  validateBlueprintIdentifier,
  validateEntityIdentifier,
  validatePropertyIdentifier,
} from "../../lib/port/identifiers.ts";

describe("Port identifier rules", () => {
  it("accepts entity identifiers with letters in any script, digits and @_.+:\\/='-", () => {
    for (const id of [
      "acme/api",
      "a.b",
      "ÄÖü-日本",
      "user@example.com",
      "x+y:z=1",
      "back\\slash",
      "o'reilly",
      "...",
      "a".repeat(1000),
    ]) {
      expect(validateEntityIdentifier(id), id).toBeUndefined();
    }
  });

  it("refuses . and .., empty, too long, non-strings and other characters, saying which", () => {
    expect(validateEntityIdentifier(".")).toBe('entity identifier must not be "."');
    expect(validateEntityIdentifier("..")).toBe('entity identifier must not be ".."');
    expect(validateEntityIdentifier("")).toBe("entity identifier must not be empty");
    expect(validateEntityIdentifier("a".repeat(1001))).toBe(
      "entity identifier is 1001 characters long, the limit is 1000",
    );
    expect(validateEntityIdentifier(12)).toBe("entity identifier must be a string, got number 12");
    expect(validateEntityIdentifier(null)).toBe("entity identifier must be a string, got null");
    expect(validateEntityIdentifier("a#b")).toBe(
      `entity identifier "a#b" may only contain letters, digits and @_.+:\\/='- (found "#")`,
    );
    expect(validateEntityIdentifier("emoji😀")).toContain('(found "😀")');
  });

  it("refuses = in blueprint identifiers and allows at most 100 characters", () => {
    expect(validateBlueprintIdentifier("githubRepository")).toBeUndefined();
    expect(validateBlueprintIdentifier("a=b")).toContain('(found "=")');
    expect(validateBlueprintIdentifier("b".repeat(100))).toBeUndefined();
    expect(validateBlueprintIdentifier("b".repeat(101))).toBe(
      "blueprint identifier is 101 characters long, the limit is 100",
    );
  });

  it("allows only A-Za-z0-9@_=- in property and relation identifiers", () => {
    for (const id of ["defaultBranch", "open_issues", "a-b", "x@y", "k=v", "."]) {
      const expected = id === "." ? '(found ".")' : undefined;
      if (expected) expect(validatePropertyIdentifier(id)).toContain(expected);
      else expect(validatePropertyIdentifier(id), id).toBeUndefined();
    }
    expect(validatePropertyIdentifier("has space")).toContain('(found " ")');
    expect(validatePropertyIdentifier("é")).toContain('(found "é")');
    expect(validatePropertyIdentifier("p".repeat(101))).toBe(
      "property identifier is 101 characters long, the limit is 100",
    );
  });
});
