import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { api, downloadFile, ok, type Export } from "../api/client";
import { formatBytes, formatDateTime } from "../lib/format";
import { exportFinished, exportPollDelay, exportProgress } from "../lib/reports";
import { Dialog, ErrorAlert } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";

/** One thing the user may export from where they are: the API's kind, its words, and the filters of what they see. */
export interface ExportChoice {
  kind: "tickets" | "time_entries" | "satisfaction" | "agents_report";
  label: string;
  filters: Record<string, unknown>;
  /** Why this export cannot be made from here (said instead of starting one). */
  blocked?: string;
}

const exportKey = (id: string) => ["export", id] as const;

/** An export's status, asked again until it is finished (soon at first, then every few seconds). */
function useExport(id: string) {
  return useQuery({
    queryKey: exportKey(id),
    queryFn: async () => (await ok(api.GET("/api/v1/exports/{id}", { params: { path: { id } } }))) as Export,
    refetchInterval: (query) => (query.state.data && exportFinished(query.state.data.status) ? false : exportPollDelay(query.state.dataUpdateCount)),
    refetchIntervalInBackground: true,
  });
}

/** Progress and, when done, the file: the progress bar and its words are announced politely. */
export function ExportStatus({ id }: { id: string }) {
  const job = useExport(id);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const labelId = useId();
  const status = job.data?.status;
  const fileName = job.data?.file_name;
  const client = useQueryClient();
  useEffect(() => {
    if (!status || !exportFinished(status)) return;
    announceToScreenReader(status === "done" ? `Export ready: ${fileName}` : `Export ${status}`);
    // The list of recent exports shows it finished too.
    void client.invalidateQueries({ queryKey: ["exports"], exact: true });
  }, [status, fileName, client]);
  if (job.error) return <ErrorAlert error={job.error} />;
  if (!job.data) return <p className="muted">Starting the export…</p>;
  const e = job.data;
  const progress = exportProgress(e);
  return (
    <div className="export-status" data-testid="export-status" data-status={e.status}>
      <p id={labelId}>
        {e.file_name}: {progress.text}
      </p>
      {e.status === "queued" || e.status === "running" ? (
        progress.pct === null ? <progress aria-labelledby={labelId} /> : <progress aria-labelledby={labelId} max={100} value={progress.pct} />
      ) : null}
      {e.status === "done" && e.download_url ? (
        <p>
          <button
            type="button"
            onClick={() => {
              setDownloadError(null);
              downloadFile(e.download_url!, e.file_name).catch(setDownloadError);
            }}
          >
            Download {e.file_name}
          </button>{" "}
          <span className="muted small">
            {e.size !== null ? formatBytes(e.size) : ""}
            {e.expires_at ? ` · kept until ${formatDateTime(e.expires_at)}` : ""}
          </span>
        </p>
      ) : null}
      <ErrorAlert error={downloadError} />
    </div>
  );
}

/** Choose what and in which format, start it, watch it, download it. */
export function ExportForm({ choices, idPrefix }: { choices: readonly ExportChoice[]; idPrefix: string }) {
  const client = useQueryClient();
  const [kind, setKind] = useState(choices[0]!.kind);
  const [format, setFormat] = useState<"csv" | "xlsx">("csv");
  const [started, setStarted] = useState<string | null>(null);
  const choice = choices.find((c) => c.kind === kind) ?? choices[0]!;
  const start = useMutation({
    mutationFn: async () =>
      (await ok(
        api.POST("/api/v1/exports", {
          body: { kind: choice.kind, format, filters: choice.filters },
        }),
      )) as Export,
    onSuccess: (e) => {
      client.setQueryData(exportKey(e.id), e);
      void client.invalidateQueries({ queryKey: ["exports"] });
      setStarted(e.id);
      announceToScreenReader("Export started");
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!choice.blocked) start.mutate();
  }
  return (
    <form className="export-form" onSubmit={submit}>
      {choices.length > 1 ? (
        <div className="field">
          <label htmlFor={`${idPrefix}-kind`}>What</label>
          <select id={`${idPrefix}-kind`} value={kind} onChange={(e) => setKind(e.target.value as ExportChoice["kind"])}>
            {choices.map((c) => (
              <option key={c.kind} value={c.kind}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
      ) : (
        <p>{choice.label}</p>
      )}
      <fieldset className="choice-row">
        <legend>Format</legend>
        <label>
          <input type="radio" name={`${idPrefix}-format`} value="csv" checked={format === "csv"} onChange={() => setFormat("csv")} /> CSV
        </label>
        <label>
          <input type="radio" name={`${idPrefix}-format`} value="xlsx" checked={format === "xlsx"} onChange={() => setFormat("xlsx")} /> Excel (XLSX)
        </label>
      </fieldset>
      {choice.blocked ? (
        <div className="alert warning" role="alert">
          {choice.blocked}
        </div>
      ) : null}
      <ErrorAlert error={start.error} />
      <button type="submit" disabled={start.isPending || !!choice.blocked}>
        {start.isPending ? "Starting…" : "Start export"}
      </button>
      {started ? <ExportStatus key={started} id={started} /> : null}
    </form>
  );
}

/** A button that opens the export form in a dialog (the ticket list: its current view and filters). */
export function ExportButton({ choices, title }: { choices: readonly ExportChoice[]; title: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Export…
      </button>
      <Dialog open={open} title={title} onClose={() => setOpen(false)}>
        <ExportForm choices={choices} idPrefix="export-dialog" />
      </Dialog>
    </>
  );
}

/** The caller's recent exports, with their files while they are kept. */
export function RecentExports() {
  const list = useQuery({
    queryKey: ["exports"],
    queryFn: async () => (await ok(api.GET("/api/v1/exports", { params: { query: { limit: 10 } } }))).data as Export[],
  });
  if (!list.data?.length) return null;
  return (
    <details className="recent-exports">
      <summary>Your recent exports ({list.data.length})</summary>
      <ul className="plain-list">
        {list.data.map((e) => (
          <li key={e.id}>
            {exportFinished(e.status) ? (
              <span>
                {e.file_name}, {formatDateTime(e.created_at)}: {exportProgress(e).text}{" "}
                {e.status === "done" && e.download_url ? (
                  <button type="button" className="link" onClick={() => void downloadFile(e.download_url!, e.file_name)}>
                    Download<span className="visually-hidden"> {e.file_name}</span>
                  </button>
                ) : null}
              </span>
            ) : (
              <ExportStatus id={e.id} />
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
