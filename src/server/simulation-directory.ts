// Every simulation that can be watched, by id: engines published by a notebook or a script, and
// the sessions that clients run through configure/start. `watch {simulation_id}` and
// `GET /api/v1/live/simulations` look here.
import type { WatchTarget } from "./watch-channel";

export interface SimulationSummary {
  simulation_id: string;
  /** The publication's name; "live session" for a session a client runs. */
  name: string;
  simulation_time: number;
  bodies: number;
  watchers: number;
}

export interface Watchable {
  readonly id: string;
  /** Adds a watcher; returns what removes it. */
  watch(target: WatchTarget): () => void;
  summary(): SimulationSummary;
}

export class SimulationDirectory {
  private readonly entries = new Map<string, Watchable>();

  /** Lists a simulation; its id must not be in use. */
  add(entry: Watchable): void {
    if (this.entries.has(entry.id)) throw new Error(`simulation id '${entry.id}' is already in use`);
    this.entries.set(entry.id, entry);
  }

  /** Unlists a simulation (only this entry: an id taken over since stays). */
  remove(entry: Watchable): void {
    if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Adds a watcher to simulation `id`; throws a message naming the id when there is none. */
  watch(id: string, target: WatchTarget): () => void {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`unknown simulation_id '${id}'`);
    return entry.watch(target);
  }

  list(): SimulationSummary[] {
    return [...this.entries.values()].map((entry) => entry.summary());
  }
}
