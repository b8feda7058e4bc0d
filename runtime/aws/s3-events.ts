// "An object was created" in either shape S3 sends it: an EventBridge event (detail-type "Object Created",
// one object), or an event notification (Records[], each with s3.bucket and s3.object). Anything else (test
// events, deletions, other sources) yields nothing.

export interface ObjectCreated {
  shape: 'eventbridge' | 'notification';
  bucket: string;
  /** The key exactly as the event carries it (notifications URL-encode it; see decodeEventKey). */
  rawKey: string;
  size?: number;
  /** Bare ETag, as HeadObject's after unquoting. */
  etag?: string;
  versionId?: string;
  /** Orders events for one key; the same for every delivery of one event. */
  sequencer?: string;
  /** When S3 created the object (ISO 8601, normalised so every delivery of an event reads the same). */
  time: string;
}

interface EventBridgeShape {
  source?: string;
  'detail-type'?: string;
  time?: string;
  detail?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; etag?: string; 'version-id'?: string; sequencer?: string };
  };
}

interface NotificationShape {
  Records?: Array<{
    eventSource?: string;
    eventName?: string;
    eventTime?: string;
    s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string; sequencer?: string } };
  }>;
}

export function objectCreatedEvents(event: unknown): ObjectCreated[] {
  if (!event || typeof event !== 'object') return [];
  const eb = event as EventBridgeShape;
  if (eb.source === 'aws.s3' && eb['detail-type'] === 'Object Created') {
    const o = eb.detail?.object;
    const bucket = eb.detail?.bucket?.name;
    if (!o?.key || !bucket) return [];
    return [{
      shape: 'eventbridge', bucket, rawKey: o.key, time: isoTime(eb.time),
      ...(o.size !== undefined ? { size: o.size } : {}),
      ...(o.etag ? { etag: bare(o.etag) } : {}),
      ...(o['version-id'] ? { versionId: o['version-id'] } : {}),
      ...(o.sequencer ? { sequencer: o.sequencer } : {}),
    }];
  }
  const records = (event as NotificationShape).Records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r): ObjectCreated[] => {
    const o = r.s3?.object;
    const bucket = r.s3?.bucket?.name;
    if (r.eventSource !== 'aws:s3' || !r.eventName?.startsWith('ObjectCreated:') || !o?.key || !bucket) return [];
    return [{
      shape: 'notification', bucket, rawKey: o.key, time: isoTime(r.eventTime),
      ...(o.size !== undefined ? { size: o.size } : {}),
      ...(o.eTag ? { etag: bare(o.eTag) } : {}),
      ...(o.versionId ? { versionId: o.versionId } : {}),
      ...(o.sequencer ? { sequencer: o.sequencer } : {}),
    }];
  });
}

function bare(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

function isoTime(t: string | undefined): string {
  const d = t ? new Date(t) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new Error(`S3 event without a valid time: ${JSON.stringify(t)}`);
  return d.toISOString();
}
