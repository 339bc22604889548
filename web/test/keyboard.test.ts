import { describe, expect, it } from "vitest";
import { isTyping, matchShortcut, SHORTCUTS, shortcutsByScope } from "../src/lib/keyboard";
import { moveSelection, ticketQuery, viewById, VIEWS } from "../src/console/views";

const key = (k: string, extra: Record<string, unknown> = {}) => ({ key: k, target: { tagName: "BODY" }, ...extra });

describe("the console's keyboard map", () => {
  it("j/k/Enter work in lists, r/n on a ticket, ? anywhere", () => {
    expect(matchShortcut(key("j"), ["global", "list"]).action).toBe("next");
    expect(matchShortcut(key("k"), ["global", "list"]).action).toBe("previous");
    expect(matchShortcut(key("Enter"), ["global", "list"]).action).toBe("open");
    expect(matchShortcut(key("r"), ["global", "ticket"]).action).toBe("reply");
    expect(matchShortcut(key("n"), ["global", "ticket"]).action).toBe("note");
    expect(matchShortcut(key("m"), ["global", "ticket"]).action).toBe("macro");
    expect(matchShortcut(key("m"), ["global", "list"]).action).toBeNull();
    expect(matchShortcut(key("?"), ["global"]).action).toBe("help");
    expect(matchShortcut(key("r"), ["global", "list"]).action).toBeNull();
  });

  it("leaves typing alone, except Escape", () => {
    for (const target of [{ tagName: "TEXTAREA" }, { tagName: "INPUT", type: "text" }, { tagName: "DIV", isContentEditable: true }, { tagName: "SELECT" }]) {
      expect(matchShortcut({ key: "r", target }, ["global", "ticket"]).action).toBeNull();
      expect(matchShortcut({ key: "Escape", target }, ["global"]).action).toBe("escape");
    }
    expect(isTyping({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(matchShortcut({ key: "x", target: { tagName: "INPUT", type: "checkbox" } }, ["list"]).action).toBe("toggle");
  });

  it("leaves browser and screen-reader shortcuts alone", () => {
    expect(matchShortcut(key("r", { ctrlKey: true }), ["ticket"]).action).toBeNull();
    expect(matchShortcut(key("k", { metaKey: true }), ["list"]).action).toBeNull();
    expect(matchShortcut(key("j", { altKey: true }), ["list"]).action).toBeNull();
  });

  it("two-key sequences: g then i", () => {
    const first = matchShortcut(key("g"), ["global"]);
    expect(first).toEqual({ action: null, pending: "g" });
    expect(matchShortcut(key("i"), ["global"], first.pending).action).toBe("go-inbox");
    expect(matchShortcut(key("u"), ["global"], "g").action).toBe("go-unassigned");
    expect(matchShortcut(key("i"), ["global"], null).action).toBeNull();
  });

  it("every key is unique within the scopes active together, and every shortcut is listed", () => {
    for (const scope of ["list", "ticket"] as const) {
      const keys = SHORTCUTS.filter((s) => s.scope === scope || s.scope === "global").map((s) => s.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const listed = Object.values(shortcutsByScope()).flat();
    expect(listed.length).toBe(SHORTCUTS.length);
  });

  it("moves a selection through a list and stops at its ends", () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
    expect(moveSelection(2, 1, 3)).toBe(2);
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
});

describe("views", () => {
  it("each view is a ticket list query; the user's filters win", () => {
    expect(ticketQuery({ view: "mine" })).toEqual({ assignee_id: "me", status: "open,in_progress,pending", sort: "sla_due" });
    expect(ticketQuery({ view: "breached", priority: "critical" })).toMatchObject({ breached: "true", priority: "critical" });
    expect(ticketQuery({ view: "unassigned", assignee: "me", sort: "-created_at", q: " printer " })).toMatchObject({ assignee_id: "me", sort: "-created_at", q: "printer" });
    expect(viewById("nope").id).toBe("mine");
    expect(new Set(VIEWS.map((v) => v.id)).size).toBe(VIEWS.length);
  });
});
