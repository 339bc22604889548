import { useQuery } from "@tanstack/react-query";
import { api, ok, type Team, type User } from "../api/client";

/** Every staff role, asked for in one request (`role` takes a comma list). */
const STAFF_ROLES = "agent,manager,admin";
/** Staff directories are small: read whole (up to this many pages of 100), refreshed every few minutes. */
const MAX_STAFF_PAGES = 5;
const DIRECTORY_STALE_MS = 5 * 60_000;

/** Everyone who can hold a ticket, for assignee pickers and names. */
export function useStaff() {
  return useQuery({
    queryKey: ["staff"],
    staleTime: DIRECTORY_STALE_MS,
    queryFn: async () => {
      const staff: User[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_STAFF_PAGES; page++) {
        const res = await ok(api.GET("/api/v1/users", { params: { query: { role: STAFF_ROLES, limit: 100, cursor } } }));
        staff.push(...(res.data as User[]));
        if (!res.next_cursor) break;
        cursor = res.next_cursor;
      }
      return staff.filter((u) => u.active);
    },
  });
}

export function useTeams() {
  return useQuery({
    queryKey: ["teams"],
    staleTime: DIRECTORY_STALE_MS,
    queryFn: async () => (await ok(api.GET("/api/v1/teams", { params: { query: { limit: 100 } } }))).data as Team[],
  });
}

export function nameOf(staff: User[] | undefined, id: string | null | undefined): string {
  if (!id) return "Unassigned";
  return staff?.find((u) => u.id === id)?.name ?? "Someone";
}

/** `<option>`s of people or teams, by name, for a <select>. */
export function NamedOptions({ items }: { items: { id: string; name: string }[] | undefined }) {
  return (
    <>
      {items?.map((x) => (
        <option key={x.id} value={x.id}>
          {x.name}
        </option>
      ))}
    </>
  );
}
