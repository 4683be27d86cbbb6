import { describe, expect, it } from 'vitest';
import { requestHeaderRecord } from './headers';

describe('requestHeaderRecord', () => {
  it('lower-cases names, joins repeated headers in order, and hides the cookie', () => {
    const raw = ['Host', 'lab.test', 'Accept', 'text/html', 'accept', 'application/json', 'Cookie', 'lab_session=secret'];
    expect(requestHeaderRecord(raw)).toEqual({
      host: 'lab.test',
      accept: 'text/html, application/json',
      cookie: '(sent; hidden here)',
    });
  });

  it('ignores a trailing name without a value', () => {
    expect(requestHeaderRecord(['X-One', '1', 'X-Dangling'])).toEqual({ 'x-one': '1' });
  });
});
