import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type TestLab } from '../tests/integration/helpers';
import { DROP_TARGET_DESCRIPTIONS, dropTargetLabel } from './faults';
import type { LabInfo } from './lab-info';

describe('drop target descriptions', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(() => lab.close());

  it('describe every target the route table offers, and no other', async () => {
    const info = (await (await lab.request('/api/lab/info')).json()) as LabInfo;
    expect(Object.keys(DROP_TARGET_DESCRIPTIONS).sort()).toEqual([...info.dropTargets].sort());
  });
});

describe('dropTargetLabel', () => {
  it("keeps the id first (it is what the API takes) and says what it covers: websocket is the intro echo, ws the WebSocket lesson's", () => {
    expect(dropTargetLabel('websocket')).toBe("websocket — the intro lesson's echo socket");
    expect(dropTargetLabel('ws')).toBe("ws — the WebSocket lesson's sockets (echo, chat)");
    expect(dropTargetLabel('all')).toBe('all — every connection of this session');
  });

  it('falls back to the bare id for a target it does not know yet', () => {
    expect(dropTargetLabel('carrier-pigeon')).toBe('carrier-pigeon');
  });
});
