import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { AppError } from '../../core/errors.ts';
import type { BusRecord, Delivery } from '../../core/ports/bus.ts';

/** Bus records as Kafka messages: string key, JSON value, string headers. */
export function encodeRecords(records: readonly BusRecord[]): Message[] {
  return records.map((record) => {
    let value: string | undefined;
    try {
      value = JSON.stringify(record.value);
    } catch (error) {
      throw new AppError('BUS_PUBLISH_FAILED', `the value for key ${record.key} is not JSON-serializable`, { cause: error, retriable: false });
    }
    if (value === undefined) {
      throw new AppError('BUS_PUBLISH_FAILED', `the value for key ${record.key} is not JSON-serializable`, { retriable: false });
    }
    return record.headers ? { key: record.key, value, headers: { ...record.headers } } : { key: record.key, value };
  });
}

export type Decoded = { readonly ok: true; readonly delivery: Delivery } | { readonly ok: false; readonly reason: string };

/**
 * A consumed message as a delivery. A message this bus could not have written (no value, a value
 * that is not JSON) is reported rather than thrown: redelivering it would never succeed.
 */
export function decodeMessage(topic: string, partition: number, message: KafkaMessage): Decoded {
  if (message.value === null) return { ok: false, reason: 'the message has no value' };
  let value: unknown;
  try {
    value = JSON.parse(message.value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the value is not JSON' };
  }
  const key = message.key?.toString('utf8') ?? '';
  const headers = decodeHeaders(message.headers);
  const delivery: Delivery = headers
    ? { topic, partition, offset: message.offset, key, value, headers }
    : { topic, partition, offset: message.offset, key, value };
  return { ok: true, delivery };
}

function decodeHeaders(raw: IHeaders | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const headers: Record<string, string> = {};
  let any = false;
  for (const [name, value] of Object.entries(raw)) {
    // Kafka allows a header name more than once; the bus writes each once, so the first is it.
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    headers[name] = first.toString();
    any = true;
  }
  return any ? headers : undefined;
}
