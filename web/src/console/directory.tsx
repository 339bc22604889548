import { useQuery } from "@tanstack/react-query";
import { api, ok, type Team, type User } from "../api/client";

const STAFF_ROLES = ["agent", "manager", "admin"] as const;
/** Staff directories are small; one page per role is read, refreshed every few minutes. */
const DIRECTORY_STALE_MS = 5 * 60_000;

/** Everyone who can hold a ticket, for assignee pickers and names. */
export function useStaff() {
  return useQuery({
    queryKey: ["staff"],
    staleTime: DIRECTORY_STALE_MS,
    queryFn: async () => {
      const pages = await Promise.all(STAFF_ROLES.map((role) => ok(api.GET("/api/v1/users", { params: { query: { role, limit: 100 } } }))));
      return pages.flatMap((p) => p.data as User[]).filter((u) => u.active);
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
