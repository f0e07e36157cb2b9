// A captured frame on its way from the stepping thread to the writer: one run of doubles (in the
// ring shared with the writer thread, or in a buffer of its own) holding a fixed header and then
// the engine's packed arrays back to back.
import { STATE_STRIDE } from "./format";

/** Header slots (doubles) at the start of a packet. */
export const Header = {
  /** 1 when the engine reported nothing new since the previous frame (the sections are empty). */
  unchanged: 0,
  simulationTime: 1,
  stepDt: 2,
  solverIterations: 3,
  solverResidual: 4,
  solverConverged: 5,
  solverConstraints: 6,
  solverContacts: 7,
  /** Dynamic bodies: they come first in the states section (stateArray order). */
  dynamicCount: 8,
  /** All bodies in the states section, environment included. */
  bodyCount: 9,
  contactsLength: 10,
  frictionLength: 11,
  energiesLength: 12,
} as const;

export const HEADER_LENGTH = 16;

export interface PacketSections {
  /** stateArray() of every body: dynamic first, then environment. */
  states: Float64Array;
  contacts: Float64Array;
  friction: Float64Array;
  /** [linear, rotational, potential] per dynamic body. */
  energies: Float64Array;
}

/** Views of a packet's sections (no copies). */
export function packetSections(packet: Float64Array): PacketSections {
  const states = HEADER_LENGTH;
  const contacts = states + packet[Header.bodyCount] * STATE_STRIDE;
  const friction = contacts + packet[Header.contactsLength];
  const energies = friction + packet[Header.frictionLength];
  const end = energies + packet[Header.energiesLength];
  if (end > packet.length) throw new Error(`frame packet is truncated: ${packet.length} values, header says ${end}`);
  return {
    states: packet.subarray(states, contacts),
    contacts: packet.subarray(contacts, friction),
    friction: packet.subarray(friction, energies),
    energies: packet.subarray(energies, end),
  };
}
