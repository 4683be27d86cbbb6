import type { ComponentProps } from 'react';

/*
 * Boxes that may scroll sideways. A keyboard user must be able to reach a scrolling box to scroll
 * it (WCAG 2.1.1), so each is a tab stop; a screen reader reads it as the text or table it is.
 */

/** A <pre> for code, headers, a hex dump. */
export function CodeBlock(props: ComponentProps<'pre'>) {
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
  return <pre tabIndex={0} {...props} />;
}

/** A table that scrolls sideways in its own box when it is wider than its column (lesson prose, widgets). */
export function WideTable(props: ComponentProps<'table'>) {
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
  return <table tabIndex={0} {...props} />;
}
