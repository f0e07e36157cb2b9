// Recording simulations into SQLite files and reading them back (docs/recording-format.md).
export { RecordingWriter } from "./recording-writer";
export type { RecordingSummary, RecordingWriterOptions } from "./recording-writer";
export { recordToFile } from "./record-to-file";
export type { RecordToFileOptions } from "./record-to-file";
export { RecordingReader } from "./recording-reader";
export { RecordingDamaged } from "./recording-source";
export type { BodyEnergyPoint, BodyVelocityPoint, FrameInfo, RecordedFrame, RecordingMetadata, SystemEnergyPoint } from "./recording-reader";
export { readRecording, recordingScene, recordingTrajectory } from "./recording-trajectory";
export type { ReadRecordingOptions } from "./recording-trajectory";
export { RecordingLibrary, RecordingNotFound } from "./recording-library";
export type { RecordingListing } from "./recording-library";
export { RECORDING_SCHEMA_VERSION, RECORDING_ID_PATTERN, isRecordingId } from "./format";
