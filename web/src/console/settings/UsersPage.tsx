import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok, type User } from "../../api/client";
import { formatDate } from "../../lib/format";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

const ROLES = ["customer", "agent", "manager", "admin"] as const;
type Role = (typeof ROLES)[number];

function NewUser() {
  const client = useQueryClient();
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "agent" as Role });
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/users", { body: form })),
    onSuccess: () => {
      setForm({ name: "", email: "", password: "", role: "agent" });
      announceToScreenReader("User created");
      void client.invalidateQueries({ queryKey: ["users"] });
      void client.invalidateQueries({ queryKey: ["staff"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card inline-form" onSubmit={submit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">Add a user</h2>
      <ErrorAlert error={create.error} />
      <div className="field">
        <label htmlFor="new-user-name">Name</label>
        <input id="new-user-name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="new-user-email">Email</label>
        <input id="new-user-email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="new-user-password">Initial password</label>
        <input id="new-user-password" type="password" autoComplete="new-password" minLength={8} required value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="new-user-role">Role</label>
        <select id="new-user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={create.isPending}>
        Add user
      </button>
    </form>
  );
}

function UserRow({ user }: { user: User }) {
  const client = useQueryClient();
  const patch = useMutation({
    mutationFn: (body: { role?: Role; active?: boolean }) => ok(api.PATCH("/api/v1/users/{id}", { params: { path: { id: user.id } }, body })),
    onSuccess: () => {
      announceToScreenReader("User updated");
      void client.invalidateQueries({ queryKey: ["users"] });
      void client.invalidateQueries({ queryKey: ["staff"] });
    },
  });
  return (
    <tr>
      <td>{user.name}</td>
      <td>{user.email}</td>
      <td>
        <label htmlFor={`role-${user.id}`} className="visually-hidden">
          Role of {user.name}
        </label>
        <select id={`role-${user.id}`} value={user.role} disabled={patch.isPending} onChange={(e) => patch.mutate({ role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </td>
      <td>{user.active ? "Active" : "Deactivated"}</td>
      <td>{formatDate(user.created_at)}</td>
      <td>
        <button type="button" className="secondary" disabled={patch.isPending} onClick={() => patch.mutate({ active: !user.active })}>
          {user.active ? "Deactivate" : "Reactivate"}
          <span className="visually-hidden"> {user.name}</span>
        </button>
        <ErrorAlert error={patch.error} />
      </td>
    </tr>
  );
}

export function UsersPage() {
  useDocumentTitle("Users", CONSOLE);
  const [role, setRole] = useState<Role | "">("");
  const [q, setQ] = useState("");
  const users = useQuery({
    queryKey: ["users", role, q],
    queryFn: () => ok(api.GET("/api/v1/users", { params: { query: { limit: 100, ...(role ? { role } : {}), ...(q.trim() ? { q: q.trim() } : {}) } } })),
  });
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <NewUser />
      <div className="filters">
        <div className="field">
          <label htmlFor="users-role">Role</label>
          <select id="users-role" value={role} onChange={(e) => setRole(e.target.value as Role | "")}>
            <option value="">Any</option>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="users-q">Name or email</label>
          <input id="users-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
      </div>
      <ErrorAlert error={users.error} />
      {users.isPending ? (
        <Spinner />
      ) : (
        <table className="list settings-table">
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.data as User[] | undefined)?.map((u) => (
              <UserRow key={u.id} user={u} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
