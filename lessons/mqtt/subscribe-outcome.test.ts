import { describe, expect, it } from 'vitest';
import { outcomeOfError, outcomeOfGrant, outcomeText } from './subscribe-outcome';

describe('the wildcard playground’s subscribe outcome', () => {
  it('blames mqtt.js, not the broker, for a filter it refused before sending, and says why', () => {
    // mqtt.js's own words for a misplaced wildcard (it sends no SUBSCRIBE).
    const outcome = outcomeOfError('atms/#/x', new Error('Invalid topic atms/#/x'));
    expect(outcome).toEqual({
      kind: 'refused-by-client',
      filter: 'atms/#/x',
      reason: '# must be a whole level and the last one, as in atms/# [MQTT-4.7.1-2]',
    });
    const text = outcomeText(outcome, 0);
    expect(text).toContain('refused by mqtt.js, the client library, before sending');
    expect(text).toContain('# must be a whole level and the last one');
    expect(text).not.toContain('SUBACK');
  });

  it('keeps the broker’s refusal (SUBACK 0x80) and other failures apart', () => {
    expect(outcomeText(outcomeOfGrant('$SYS/#', 128), 0)).toBe('$SYS/#: refused by the broker (SUBACK 0x80)');
    expect(outcomeText(outcomeOfGrant('atms/us-east/#', 0), 3)).toBe('subscribed to atms/us-east/#: 3 messages caught');
    expect(outcomeOfError('atms/#', new Error('client disconnecting'))).toEqual({
      kind: 'failed',
      filter: 'atms/#',
      reason: 'client disconnecting',
    });
  });
});
