import ui from '../../components/lab/widget.module.css';

/** A connection state as a dot plus the word, so color is never the only cue. */
export function StreamStateBadge({ state, testId }: { state: string; testId: string }) {
  return (
    <span className={ui.state} data-testid={testId} data-state={state}>
      {state}
    </span>
  );
}
