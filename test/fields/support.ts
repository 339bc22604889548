import { expect } from "vitest";
import { api, type TestUser } from "../helpers";

/**
 * Field and status keys are global to the deployment (one D1 per test file): every test names its
 * own with a suffix, so the tests of a file never see each other's definitions.
 */
export const uniqueKey = (base: string) => `${base}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

export async function defineField(admin: TestUser, body: Record<string, unknown>) {
  const res = await api("POST", "/api/v1/ticket-fields", { token: admin.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; key: string; [k: string]: unknown };
}

export async function defineStatus(admin: TestUser, body: Record<string, unknown>) {
  const res = await api("POST", "/api/v1/ticket-statuses", { token: admin.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; key: string; category: string };
}

/** One field of every type (the key prefixed by the type), customer visibility as given. */
export async function fieldsOfEveryType(admin: TestUser, over: Record<string, unknown> = {}) {
  const options = [
    { value: "widget", label: "Widget" },
    { value: "gadget", label: "Gadget" },
    { value: "gizmo", label: "Gizmo" },
  ];
  const make = (type: string) =>
    defineField(admin, { key: uniqueKey(type), label: `The ${type}`, type, ...(type === "dropdown" || type === "multiselect" ? { options } : {}), ...over });
  const [text, textarea, integer, decimal, checkbox, date, dropdown, multiselect] = await Promise.all(
    ["text", "textarea", "integer", "decimal", "checkbox", "date", "dropdown", "multiselect"].map(make),
  );
  return { text: text!, textarea: textarea!, integer: integer!, decimal: decimal!, checkbox: checkbox!, date: date!, dropdown: dropdown!, multiselect: multiselect! };
}
