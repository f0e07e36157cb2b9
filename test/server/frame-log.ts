// Raw frames as a client received them (JSON text or binary), with their ids, for the watch and
// binary-frame tests: test/server/client.ts's LiveClient parses JSON messages only.
// @ts-ignore: a browser ES module without type declarations
import * as decoderModule from "../../src/viewer/frame-decoder.js";
import type { LiveClient } from "./client";

export interface ReceivedFrame {
  frameId: number;
  binary: boolean;
  bytes: Buffer;
  at: number;
}

export interface FrameDecoderLike {
  setMetadata(metadata: unknown): void;
  decode(buffer: ArrayBuffer): any;
}
export const { FrameDecoder, BINARY_FRAME } = decoderModule as unknown as {
  FrameDecoder: new (metadata?: unknown) => FrameDecoderLike;
  BINARY_FRAME: Record<string, number>;
};

/** Every frame message a client gets, raw, in order (attach right after connecting). */
export class FrameLog {
  readonly frames: ReceivedFrame[] = [];
  /** Bytes of every message received so far (frames and the rest). */
  bytesReceived = 0;

  constructor(client: LiveClient) {
    client.ws.on("message", (data, isBinary) => {
      const bytes = Buffer.from(data as Buffer);
      this.bytesReceived += bytes.length;
      if (isBinary) this.frames.push({ frameId: bytes.readUInt32LE(8), binary: true, bytes, at: performance.now() });
      else if (bytes.subarray(0, 15).toString() === '{"type":"frame"') {
        const match = /"frame_id":(\d+)/.exec(bytes.subarray(0, 64).toString());
        this.frames.push({ frameId: Number(match![1]), binary: false, bytes, at: performance.now() });
      }
    });
  }

  ids(): number[] {
    return this.frames.map((f) => f.frameId);
  }

  last(): ReceivedFrame | undefined {
    return this.frames[this.frames.length - 1];
  }
}

/** A binary frame's bytes as the ArrayBuffer a browser gets. */
export function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

/** Waits until `condition()` holds (polling), or fails with `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether ids go up by exactly one each. */
export function consecutive(ids: readonly number[]): boolean {
  return ids.every((id, i) => i === 0 || id === ids[i - 1] + 1);
}
