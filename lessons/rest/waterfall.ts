/** What the under-fetching widget asks for, kept apart from the widget so it can be tested. */

/** The screen shows the latest few transactions: a screen's worth, however many payments the student made. */
export const SCREEN_TRANSACTIONS = 5;

/**
 * The merchants a list of transactions names, each once, in the order they
 * first appear. Three coffees are one merchant: asking for it three times
 * would be three round trips for one answer.
 */
export function merchantIdsIn(transactions: readonly { merchantId: string | null }[]): string[] {
  return [...new Set(transactions.flatMap((t) => (t.merchantId ? [t.merchantId] : [])))];
}
