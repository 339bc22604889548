import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok, type SatisfactionSurvey, type Ticket } from "../api/client";
import { formatDateTime } from "../lib/format";
import { SCORE_WORDS, scoreText } from "../lib/reports";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { ticketKey } from "../ui/live";

/** The API keeps comments to this length; the box says so before the server would. */
const MAX_COMMENT_CHARS = 2_000;
const surveyKey = (ticketId: string) => ["satisfaction", ticketId] as const;

/**
 * "How did we do?" on a resolved ticket (API.md "Satisfaction"): a score 1-5 and an optional
 * comment, the current answer shown, replaceable until the survey closes 14 days after resolution.
 */
export function SatisfactionSurveyCard({ ticket }: { ticket: Ticket }) {
  const solved = ["resolved", "closed"].includes(ticket.status);
  const survey = useQuery({
    queryKey: [...surveyKey(ticket.id), ticket.status],
    enabled: solved || !!ticket.satisfaction,
    queryFn: async () => (await ok(api.GET("/api/v1/tickets/{id}/satisfaction", { params: { path: { id: ticket.id } } }))) as SatisfactionSurvey,
  });
  const [changing, setChanging] = useState(false);
  if (!survey.data) return null;
  const { satisfaction: answer, can_rate: canRate, open_until: openUntil } = survey.data;
  if (!answer && !canRate) return null;
  return (
    <section className="card satisfaction" aria-labelledby="satisfaction-title">
      <h2 id="satisfaction-title">How did we do?</h2>
      {answer ? (
        <div className="satisfaction-answer" data-testid="satisfaction-answer">
          <p>
            Your answer: <strong>{scoreText(answer.score)}</strong>
          </p>
          {answer.comment ? <blockquote className="message-body">{answer.comment}</blockquote> : null}
        </div>
      ) : null}
      {canRate && (changing || !answer) ? (
        <RateForm ticket={ticket} current={answer} onDone={() => setChanging(false)} onCancel={answer ? () => setChanging(false) : undefined} />
      ) : null}
      {canRate && answer && !changing ? (
        <button type="button" className="secondary" onClick={() => setChanging(true)}>
          Change my answer
        </button>
      ) : null}
      {canRate && openUntil ? <p className="muted small">You can answer or change your answer until {formatDateTime(openUntil)}.</p> : null}
    </section>
  );
}

function RateForm({ ticket, current, onDone, onCancel }: { ticket: Ticket; current: SatisfactionSurvey["satisfaction"]; onDone: () => void; onCancel?: () => void }) {
  const client = useQueryClient();
  const [score, setScore] = useState<number | null>(current?.score ?? null);
  const [comment, setComment] = useState(current?.comment ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const rate = useMutation({
    mutationFn: (s: number) => ok(api.POST("/api/v1/tickets/{id}/satisfaction", { params: { path: { id: ticket.id } }, body: { score: s, comment: comment.trim() || null } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: surveyKey(ticket.id) });
      void client.invalidateQueries({ queryKey: ticketKey(ticket.id) });
      announceToScreenReader("Thank you: your answer is saved");
      onDone();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!score) return setProblem("Choose a score from 1 to 5.");
    setProblem(null);
    rate.mutate(score);
  }
  return (
    <form onSubmit={submit} noValidate>
      <ErrorAlert error={rate.error} />
      <fieldset className="stars" aria-describedby={problem ? "satisfaction-problem" : undefined}>
        <legend>Your score</legend>
        {SCORE_WORDS.map((word, i) => (
          <label key={word}>
            <input type="radio" name="satisfaction-score" value={i + 1} checked={score === i + 1} onChange={() => setScore(i + 1)} />
            {i + 1} <span className="muted small">{word}</span>
          </label>
        ))}
      </fieldset>
      {problem ? (
        <p className="field-error" id="satisfaction-problem" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="satisfaction-comment">Anything you want to tell us? (optional)</label>
        <textarea id="satisfaction-comment" value={comment} maxLength={MAX_COMMENT_CHARS} onChange={(e) => setComment(e.target.value)} />
      </div>
      <div className="composer-actions">
        <button type="submit" disabled={rate.isPending}>
          {rate.isPending ? "Sending…" : current ? "Save my new answer" : "Send my answer"}
        </button>
        {onCancel ? (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
