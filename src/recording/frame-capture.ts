// Captures an engine's frame into a packet (frame-packet.ts) with as little work as possible on the
// thread that steps it: one engine call (packFrame) writes the whole frame straight into the packet
// space (a ring shared with the writer thread: no copy), and a frame in which nothing but the clock
// changed (every body asleep) is a header only. Everything else (SQLite, sums) happens on the
// writer's side.
import type { Engine } from "../engine";
import { FRAME_INFO_LENGTH, FrameInfoSlot } from "../engine/types";
import { sceneMetadata } from "../server/frames";
import { CONTACT_HEADER, CONTACT_POINT, ENERGY_STRIDE, FRICTION_STRIDE, STATE_STRIDE } from "./format";
import { Header, HEADER_LENGTH } from "./frame-packet";
import type { PacketSpace } from "./packet-ring";
import type { SceneUpdate } from "./recording-store";

/** Smallest room asked for a data frame, in doubles. */
const MIN_NEED = 4096;

export class FrameCapture {
  /** Room to ask for a data frame: half as much again as the last one used, so that growing contacts still fit. */
  private need = MIN_NEED;
  private stateRevision = Number.NaN;
  private sceneRevision = Number.NaN;
  private readonly knownAssets = new Set<number>();
  private bodyCount = 0;
  private dynamicCount = 0;
  private readonly info = new Float64Array(FRAME_INFO_LENGTH);

  constructor(private readonly engine: Engine, private readonly space: PacketSpace) {}

  /** Doubles a data frame of the current scene may take (an estimate before the first one). */
  get expectedNeed(): number {
    return this.need;
  }

  /** The new scene's metadata when bodies came or went since the last call (always on the first). */
  sceneUpdate(): SceneUpdate | undefined {
    const revision = this.engine.sceneRevision;
    if (revision === this.sceneRevision) return undefined;
    this.sceneRevision = revision;
    const { bodies, assets } = sceneMetadata(this.engine);
    this.bodyCount = bodies.length;
    this.dynamicCount = bodies.filter((b) => !b.is_environment).length;
    // Until a frame says: every body touching something with a full four-point manifold.
    const perBody = STATE_STRIDE + ENERGY_STRIDE + CONTACT_HEADER + 4 * CONTACT_POINT + FRICTION_STRIDE;
    this.need = Math.max(this.need, MIN_NEED, HEADER_LENGTH + this.bodyCount * perBody);
    this.stateRevision = Number.NaN; // the next frame carries data, for the new scene row
    const fresh = assets.filter((a) => !this.knownAssets.has(a.asset_id));
    for (const a of fresh) this.knownAssets.add(a.asset_id);
    return { bodies, assets: fresh };
  }

  /**
   * The engine's current frame: a packet trimmed to its length, in the packet space (or, when that
   * had no room, in an array of its own). Call sceneUpdate() first: the packet assumes its scene.
   */
  capture(): Float64Array {
    const engine = this.engine;
    const info = engine.frameInfo(this.info);
    const revision = info[FrameInfoSlot.stateRevision];
    const unchanged = revision === this.stateRevision;
    this.stateRevision = revision;
    if (unchanged) return this.header(this.space.take(HEADER_LENGTH), true).subarray(0, HEADER_LENGTH);

    // One engine call writes the whole frame after the header; a frame bigger than the room asked
    // for (contacts grew) is written again into an array of its own, as long as it needs.
    let packet = this.space.take(this.need);
    if (!engine.packFrame(packet.subarray(HEADER_LENGTH), info)) {
      packet = new Float64Array(HEADER_LENGTH + sectionsLength(info));
      engine.packFrame(packet.subarray(HEADER_LENGTH), info);
    }
    if (info[FrameInfoSlot.statesLength] !== this.bodyCount * STATE_STRIDE) {
      throw new Error(`the engine has ${info[FrameInfoSlot.statesLength] / STATE_STRIDE} bodies, the captured scene ${this.bodyCount}: call sceneUpdate() first`);
    }
    this.header(packet, false);
    const used = HEADER_LENGTH + sectionsLength(info);
    this.need = Math.max(MIN_NEED, Math.ceil(used * 1.5));
    // The engine wrote every body's energies; the environment's (zeros, last) are not kept.
    return packet.subarray(0, used - (this.bodyCount - this.dynamicCount) * ENERGY_STRIDE);
  }

  /** Fills a packet's header from the last frameInfo / packFrame. */
  private header(packet: Float64Array, unchanged: boolean): Float64Array {
    const info = this.info;
    packet[Header.unchanged] = unchanged ? 1 : 0;
    packet[Header.simulationTime] = info[FrameInfoSlot.time];
    packet[Header.stepDt] = info[FrameInfoSlot.stepDt];
    packet[Header.solverIterations] = info[FrameInfoSlot.solverIterations];
    packet[Header.solverResidual] = info[FrameInfoSlot.solverResidual];
    packet[Header.solverConverged] = info[FrameInfoSlot.solverConverged];
    packet[Header.solverConstraints] = info[FrameInfoSlot.solverConstraints];
    packet[Header.solverContacts] = info[FrameInfoSlot.solverContacts];
    packet[Header.dynamicCount] = this.dynamicCount;
    packet[Header.bodyCount] = unchanged ? 0 : this.bodyCount;
    packet[Header.contactsLength] = unchanged ? 0 : info[FrameInfoSlot.contactsLength];
    packet[Header.frictionLength] = unchanged ? 0 : info[FrameInfoSlot.frictionLength];
    packet[Header.energiesLength] = unchanged ? 0 : this.dynamicCount * ENERGY_STRIDE;
    return packet;
  }
}

/** Doubles of the sections packFrame reported. */
function sectionsLength(info: Float64Array): number {
  return info[FrameInfoSlot.statesLength] + info[FrameInfoSlot.contactsLength] + info[FrameInfoSlot.frictionLength] + info[FrameInfoSlot.energiesLength];
}

/** A packet space of one array, reused for every packet (for a writer that stores each packet before the next). */
export class ReusedSpace implements PacketSpace {
  private buffer = new Float64Array(MIN_NEED);

  take(need: number): Float64Array {
    if (this.buffer.length < need) this.buffer = new Float64Array(need);
    return this.buffer;
  }
}
