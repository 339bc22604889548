import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

type Hours = Schemas["BusinessHours"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export function BusinessHoursPage() {
  useDocumentTitle("Business hours", CONSOLE);
  const client = useQueryClient();
  const hours = useQuery({ queryKey: ["business-hours"], queryFn: () => ok(api.GET("/api/v1/business-hours")) as Promise<Hours> });
  const [draft, setDraft] = useState<Hours | null>(null);
  const [holidays, setHolidays] = useState("");
  useEffect(() => {
    if (hours.data) {
      setDraft(hours.data);
      setHolidays(hours.data.holidays.join("\n"));
    }
  }, [hours.data]);
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT("/api/v1/business-hours", {
          body: { ...draft!, holidays: holidays.split(/\s+/).filter(Boolean) },
        }),
      ),
    onSuccess: () => {
      announceToScreenReader("Business hours saved");
      void client.invalidateQueries({ queryKey: ["business-hours"] });
    },
  });
  if (hours.isPending || !draft) return hours.error ? <ErrorAlert error={hours.error} /> : <Spinner />;
  const setInterval = (i: number, patch: Partial<Hours["intervals"][number]>) =>
    setDraft({ ...draft, intervals: draft.intervals.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  return (
    <section aria-labelledby="hours-title">
      <h1 id="hours-title">Business hours</h1>
      <p className="muted">No intervals means around the clock (24/7).</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <ErrorAlert error={save.error} />
        <div className="field">
          <label htmlFor="hours-zone">Time zone</label>
          <input id="hours-zone" value={draft.time_zone} onChange={(e) => setDraft({ ...draft, time_zone: e.target.value })} />
        </div>
        <table className="list settings-table">
          <caption>Working intervals</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Remove</th>
            </tr>
          </thead>
          <tbody>
            {draft.intervals.map((x, i) => (
              <tr key={i}>
                <td>
                  <label htmlFor={`day-${i}`} className="visually-hidden">
                    Day of interval {i + 1}
                  </label>
                  <select id={`day-${i}`} value={x.day} onChange={(e) => setInterval(i, { day: Number(e.target.value) })}>
                    {DAYS.map((d, n) => (
                      <option key={d} value={n + 1}>
                        {d}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <label htmlFor={`start-${i}`} className="visually-hidden">
                    Start of interval {i + 1}
                  </label>
                  <input id={`start-${i}`} type="time" value={x.start} onChange={(e) => setInterval(i, { start: e.target.value })} />
                </td>
                <td>
                  <label htmlFor={`end-${i}`} className="visually-hidden">
                    End of interval {i + 1}
                  </label>
                  <input id={`end-${i}`} type="time" value={x.end} onChange={(e) => setInterval(i, { end: e.target.value })} />
                </td>
                <td>
                  <button type="button" className="secondary" onClick={() => setDraft({ ...draft, intervals: draft.intervals.filter((_, j) => j !== i) })}>
                    Remove<span className="visually-hidden"> interval {i + 1}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <button type="button" className="secondary" onClick={() => setDraft({ ...draft, intervals: [...draft.intervals, { day: 1, start: "09:00", end: "17:00" }] })}>
            Add interval
          </button>
        </p>
        <div className="field">
          <label htmlFor="hours-holidays">Holidays</label>
          <textarea id="hours-holidays" rows={4} aria-describedby="hours-holidays-hint" value={holidays} onChange={(e) => setHolidays(e.target.value)} />
          <p className="hint" id="hours-holidays-hint">
            One date per line, like 2026-12-25.
          </p>
        </div>
        <button type="submit" disabled={save.isPending}>
          Save business hours
        </button>
      </form>
    </section>
  );
}
