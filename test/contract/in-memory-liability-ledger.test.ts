import { liabilityLedgerContract } from './liability-ledger.contract.ts';
import { InMemoryLiabilityLedger } from '../../adapters/liability/in-memory-liability-ledger.ts';

liabilityLedgerContract('InMemoryLiabilityLedger', async () => {
  const ledger = new InMemoryLiabilityLedger();
  return { ledger, peer: ledger, cleanup: () => ledger.close() };
});
