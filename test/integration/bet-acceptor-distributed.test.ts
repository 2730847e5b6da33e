import { requireService } from '../support/services.ts';
import { harness } from './bet-acceptor-harness.ts';
import { betAcceptorScenarios } from './bet-acceptor-scenarios.ts';

const postgres = requireService('postgres');
const redis = requireService('redis');
const skip = postgres.skip || redis.skip;

betAcceptorScenarios(
  'two replicas on PostgreSQL (wallet, bets) and Redis (prices, liability, idempotency, rate limits)',
  (liability) => harness({ limits: { rules: [{ marketId: 1, liability }] } }, { pgUrl: postgres.url, redisUrl: redis.url }, 2),
  { skip },
);
