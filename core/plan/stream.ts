// Streaming ingestion: where Kinesis Data Firehose writes a dataset's records, and what it names the objects, so that
// the local `strata put` writes exactly the keys AWS would and the trigger routes both the same way.
//
// Firehose names an object <evaluated prefix><stream name>-<stream version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>
// <extension> ("Configure Amazon S3 object name format", Amazon Data Firehose Developer Guide); the prefix is ours:
// the dataset's bronze prefix and the hour (UTC) of the oldest record in the object ("Custom prefixes for Amazon S3
// objects": timestamps evaluate to the approximate arrival time of the oldest record). With GZIP the extension is .gz.
import { layout } from './layout.ts';

/** Firehose's S3 prefix for a dataset: bronze/<dataset>/yyyy/MM/dd/HH/. */
export const firehosePrefix = (dataset: string): string => `${layout.bronze(dataset)}!{timestamp:yyyy/MM/dd/HH}/`;

/** Where Firehose puts records it could not deliver (in the bronze bucket, outside bronze/: no run starts on them). */
export const streamErrorsPrefix = (dataset: string): string => `stream-errors/${dataset}/`;

/** Firehose's error-output prefix; a prefix with expressions needs one, and it must name the error type. */
export const firehoseErrorPrefix = (dataset: string): string =>
  `${streamErrorsPrefix(dataset)}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`;

/** Bytes of one buffer megabyte (Firehose's SizeInMBs counts MiB). */
export const MIB = 1 << 20;

/**
 * The key of one delivered object: bronze/<dataset>/yyyy/MM/dd/HH/<stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>.gz.
 * `oldest` is the arrival time of the object's oldest record (UTC). AWS does not say which instant the name's
 * suffix shows; strata uses the same one. The one place keys of streamed objects are made.
 */
export function streamObjectKey(dataset: string, streamName: string, oldest: Date, uuid: string, version = 1): string {
  const [date, time] = oldest.toISOString().split('T') as [string, string];
  const [y, mo, d] = date.split('-') as [string, string, string];
  const [h, mi, s] = time.slice(0, 8).split(':') as [string, string, string];
  return `${layout.bronze(dataset)}${y}/${mo}/${d}/${h}/${streamName}-${version}-${y}-${mo}-${d}-${h}-${mi}-${s}-${uuid}.gz`;
}
