import { describe, expect, it } from 'vitest';
import type { ServerCapacity } from '@protocol/types';
import { pickServer, type PlacementCandidate } from './placement';

function server(name: string, fits: ServerCapacity['fits'], memoryFreeMb: number) {
  return {
    serverId: name,
    serverName: name,
    capacity: {
      memoryTotalMb: 0,
      overcommit: 2,
      memoryAllowedMb: 0,
      memoryCommittedMb: 0,
      memoryFreeMb,
      projectsBySize: { small: 0, medium: 0, large: 0, custom: 0, none: 0 },
      fits,
      networks: { pool: '10.231.0.0/16', subnetPrefix: 27, used: 0, capacity: 2048 },
      portsLeft: {},
    },
  } satisfies PlacementCandidate;
}

describe('pickServer', () => {
  const fleet = [
    server('a', { small: 9, medium: 4, large: 2 }, 13_000),
    server('b', { small: 12, medium: 6, large: 1 }, 18_500),
    server('c', { small: 0, medium: 0, large: 0 }, 900),
  ];

  it('chooses the most headroom for the chosen size, and names the runner-up', () => {
    expect(pickServer(fleet, { profile: 'medium' })).toMatchObject({
      chosen: { serverName: 'b' },
      headroom: 6,
      runnerUp: { serverName: 'a', headroom: 4 },
    });
    expect(pickServer(fleet, { profile: 'large' })).toMatchObject({
      chosen: { serverName: 'a' },
      headroom: 2,
    });
  });

  it('places a custom size by free memory, and finds none when nothing fits', () => {
    expect(
      pickServer(fleet, { profile: 'custom', memoryMb: 15_000, cpus: 1 })?.chosen.serverName,
    ).toBe('b');
    expect(pickServer(fleet, { profile: 'custom', memoryMb: 20_000, cpus: 1 })).toBeUndefined();
    expect(pickServer([fleet[2]!], { profile: 'small' })).toBeUndefined();
  });
});
