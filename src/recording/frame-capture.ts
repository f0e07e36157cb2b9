// Captures an engine's frame into a packet (frame-packet.ts) with as little work as possible on the
// thread that steps it: the engine writes its packed arrays straight into the packet space (a ring
// shared with the writer thread: no allocation, no copy), and a frame in which nothing but the
// clock changed (every body asleep) is a header only. Everything else (SQLite, sums) happens on the
// writer's side.
import type { Engine } from "../engine";
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
    const revision = engine.stateRevision;
    const unchanged = revision === this.stateRevision;
    this.stateRevision = revision;
    let packet = this.space.take(unchanged ? HEADER_LENGTH : this.need);
    packet[Header.unchanged] = unchanged ? 1 : 0;
    packet[Header.simulationTime] = engine.time;
    packet[Header.stepDt] = engine.lastStepDt;
    const stats = engine.getSolverStats();
    packet[Header.solverIterations] = stats.iterations;
    packet[Header.solverResidual] = stats.residual;
    packet[Header.solverConverged] = stats.converged ? 1 : 0;
    packet[Header.solverConstraints] = stats.numConstraints;
    packet[Header.solverContacts] = stats.numContacts;
    packet[Header.dynamicCount] = this.dynamicCount;
    packet[Header.bodyCount] = unchanged ? 0 : this.bodyCount;
    packet[Header.contactsLength] = 0;
    packet[Header.frictionLength] = 0;
    packet[Header.energiesLength] = 0;
    if (unchanged) return packet.subarray(0, HEADER_LENGTH);

    let at = HEADER_LENGTH;
    const states = this.bodyCount * STATE_STRIDE;
    packet = this.room(packet, at, states);
    engine.stateArray(packet.subarray(at, at + states));
    at += states;
    packet = this.place(packet, at, engine.contactsArray(packet.subarray(at)));
    packet[Header.contactsLength] = this.placed;
    at += this.placed;
    packet = this.place(packet, at, engine.frictionArray(packet.subarray(at)));
    packet[Header.frictionLength] = this.placed;
    at += this.placed;
    // Environment bodies (last in stateArray order) have no energy to keep.
    packet = this.place(packet, at, engine.bodyEnergiesArray(packet.subarray(at)));
    packet[Header.energiesLength] = this.dynamicCount * ENERGY_STRIDE;
    // The engine wrote every body's energies; the environment's (zeros, last) are not kept.
    const used = at + this.bodyCount * ENERGY_STRIDE;
    at += this.dynamicCount * ENERGY_STRIDE;
    this.need = Math.max(MIN_NEED, Math.ceil(used * 1.5));
    return packet.subarray(0, at);
  }

  /** Length of the section `place` put last. */
  private placed = 0;

  /**
   * Puts an engine result at `at`: it is already there when the engine wrote into the view it was
   * given; otherwise (the view was too short) the packet grows and the result is copied in.
   */
  private place(packet: Float64Array, at: number, result: Float64Array): Float64Array {
    this.placed = result.length;
    if (result.buffer === packet.buffer && result.byteOffset === packet.byteOffset + at * 8) return packet;
    const grown = this.room(packet, at, result.length);
    grown.set(result, at);
    return grown;
  }

  /** `packet`, or a bigger copy (an array of its own) of its first `at` values, with room for `extra` more. */
  private room(packet: Float64Array, at: number, extra: number): Float64Array {
    if (at + extra <= packet.length) return packet;
    const grown = new Float64Array(Math.ceil((at + extra) * 1.5) + MIN_NEED);
    grown.set(packet.subarray(0, at));
    return grown;
  }
}

/** A packet space of one array, reused for every packet (for a writer that stores each packet before the next). */
export class ReusedSpace implements PacketSpace {
  private buffer = new Float64Array(MIN_NEED);

  take(need: number): Float64Array {
    if (this.buffer.length < need) this.buffer = new Float64Array(need);
    return this.buffer;
  }
}
