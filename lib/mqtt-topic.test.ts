import { describe, expect, it } from 'vitest';
import { explainMatch, topicFilterError, topicMatches, topicNameError } from './mqtt-topic';

describe('topic filters (MQTT 3.1.1 section 4.7)', () => {
  it.each([
    ['atms/+/+/cash-level', 'atms/us-east/atm-0002/cash-level', true],
    ['atms/+/+/cash-level', 'atms/us-east/atm-0002/transactions', false],
    ['atms/us-east/#', 'atms/us-east', true],
    ['atms/us-east/#', 'atms/us-east/atm-0002/cash-level', true],
    ['atms/us-east/#', 'atms/eu-west/atm-0001/cash-level', false],
    ['#', 'atms/x', true],
    ['#', '$SYS/uptime', false],
    ['+/uptime', '$SYS/uptime', false],
    ['$SYS/#', '$SYS/uptime', true],
    ['atms/+', 'atms', false],
    ['atms/+', 'atms/', true],
    ['ATMS/#', 'atms/x', false],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
    expect(explainMatch(filter, topic).matches).toBe(expected);
  });

  it('explains a match level by level and stops at the first failing level', () => {
    expect(explainMatch('atms/+/+/cash-level', 'atms/us-east/atm-0002/transactions').levels).toEqual([
      { filter: 'atms', topic: 'atms', ok: true, why: 'same text' },
      { filter: '+', topic: 'us-east', ok: true, why: '+ matches exactly one level, whatever it says' },
      { filter: '+', topic: 'atm-0002', ok: true, why: '+ matches exactly one level, whatever it says' },
      { filter: 'cash-level', topic: 'transactions', ok: false, why: 'different text (levels are case-sensitive)' },
    ]);
    expect(explainMatch('atms/us-east/#', 'atms/us-east').levels.at(-1)?.why).toBe('# also matches the parent level itself');
    expect(explainMatch('atms/+', 'atms/a/b').levels.at(-1)?.why).toBe('the topic has more levels than the filter');
  });

  it('rejects malformed filters and topic names with the rule that says why', () => {
    expect(topicFilterError('atms/#/cash-level')).toMatch(/# must be a whole level and the last one/);
    expect(topicFilterError('atms/us#')).toMatch(/# must be/);
    expect(topicFilterError('atms/us+/x')).toMatch(/\+ must be a whole level/);
    expect(topicFilterError('')).toMatch(/at least one character/);
    expect(topicNameError('atms/+/x')).toMatch(/only for subscriptions/);
    expect(topicNameError('')).toMatch(/at least one character/);
    expect(topicNameError('a/'.repeat(20))).toMatch(/more than 16 levels/);
    expect(topicNameError('atms//x')).toBeUndefined(); // empty levels are legal in names
    expect(explainMatch('atms/#/x', 'atms/a/x')).toMatchObject({ matches: false, error: expect.stringMatching(/# must be/) });
  });
});
