import { walletContract } from './wallet.contract.ts';
import { InMemoryWallet } from '../../adapters/wallet/in-memory-wallet.ts';
import { ManualClock } from '../support/manual-clock.ts';

walletContract('InMemoryWallet', async () => {
  const clock = new ManualClock();
  const wallet = new InMemoryWallet({ clock });
  return { wallet, clock, cleanup: () => wallet.close() };
});
