// The encodings a client can ask frames in (`"encoding"` in `configure` or `watch`): the seed's JSON
// text (the default), or the packed binary layout of binary-frame.ts. Each frame is encoded at
// most once per encoding, whatever the number of clients that take it.

export type FrameEncoding = "json" | "binary";

export const FRAME_ENCODINGS: readonly FrameEncoding[] = ["json", "binary"];

/** One frame, in each encoding somebody asked for (prebuilt bytes, sent as they are). */
export type EncodedFrame = Partial<Record<FrameEncoding, Buffer>>;
