import { describe, expect, it } from 'vitest';
import { PullTracker } from './pull-progress';

describe('PullTracker', () => {
  it('weighs layers by size and reaches 100 when every layer is complete', () => {
    const t = new PullTracker();
    t.push({ status: 'Pulling from library/x', id: 'latest' });
    expect(t.percent()).toBe(0);
    t.push({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' });
    t.push({ status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' });
    t.push({
      status: 'Downloading',
      id: 'aaaaaaaaaaaa',
      progressDetail: { current: 50, total: 100 },
    });
    t.push({
      status: 'Downloading',
      id: 'bbbbbbbbbbbb',
      progressDetail: { current: 0, total: 300 },
    });
    expect(t.percent()).toBe(12); // 50 of 400 bytes
    t.push({ status: 'Download complete', id: 'aaaaaaaaaaaa' });
    t.push({
      status: 'Downloading',
      id: 'bbbbbbbbbbbb',
      progressDetail: { current: 150, total: 300 },
    });
    expect(t.percent()).toBe(62);
    t.push({ status: 'Pull complete', id: 'bbbbbbbbbbbb' });
    expect(t.percent()).toBe(100);
  });

  it('counts cached layers of unknown size as done', () => {
    const t = new PullTracker();
    t.push({ status: 'Already exists', id: 'cccccccccccc' });
    t.push({ status: 'Pulling fs layer', id: 'dddddddddddd' });
    expect(t.percent()).toBe(50);
    t.push({ status: 'Pull complete', id: 'dddddddddddd' });
    expect(t.percent()).toBe(100);
  });
});
