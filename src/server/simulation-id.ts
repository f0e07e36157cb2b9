// The ids the server makes for simulations: live sessions, published engines (unless their owner
// gives one), and recordings (a recorded session's recording id is its simulation id). A made id,
// `sim-` and 12 hex digits, is valid wherever an id goes: it matches both SIMULATION_ID_PATTERN
// (messages.ts: the ids the watch protocol accepts, `[A-Za-z0-9_-]{1,64}`) and RECORDING_ID_PATTERN
// (recording/format.ts: recording file names, which may also hold dots, up to 128 characters).
// The two patterns differ on purpose — a recording written by a script can be called
// `drop-v1.2.db` — so an id given from outside is checked against the pattern of where it is used.
import { randomBytes } from "crypto";

/** A new simulation id: `sim-` and 12 hex digits. */
export function newSimulationId(): string {
  return `sim-${randomBytes(6).toString("hex")}`;
}
