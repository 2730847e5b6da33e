import { describe, test } from 'node:test';
import { checkSettlementProperty } from './settlement-property.ts';
import { createRig } from './rig.ts';

describe('settlement property on the in-memory wallet and bet store', () => {
  test('any interleaving of duplicate, reordered messages ends where the last effective message says, reconciled', async () => {
    const rig = await createRig();
    try {
      await checkSettlementProperty(rig, { numRuns: 500 });
    } finally {
      await rig.close();
    }
  });

  test('the same when only confirmed results settle', async () => {
    const rig = await createRig(undefined, { certainty: { settleOnCertainty: 2 } });
    try {
      await checkSettlementProperty(rig, { numRuns: 200, settleOn: 2 });
    } finally {
      await rig.close();
    }
  });
});
