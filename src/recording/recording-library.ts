// The recordings in one directory, by id (the file name without `.db`). Ids are checked against
// RECORDING_ID_PATTERN before any file is touched, so no id can name a file outside the directory,
// and only plain files are read: symbolic links in the directory are not followed.
//
// Listing reads only each file's `recording` row and body count (cached until the file changes).
// Open readers are kept (up to a limit) and reopened only when their file changed; a reader in use
// (`use`) is never closed under its user: eviction passes it by, and a replaced one is closed when
// its last user is done. Temporary files left by writers that no longer run are swept on creation.
import * as fs from "fs";
import * as nodePath from "path";
import { isRecordingId } from "./format";
import { sweepStalePartials } from "./partial-files";
import { RecordingReader } from "./recording-reader";
import { readRecordingSummary } from "./recording-source";

export interface RecordingListing {
  id: string;
  name: string;
  /** The file name (not the absolute path). */
  path: string;
  total_frames: number;
  duration_s: number;
  created_at: string;
  /** Bodies in the recording (environment included). */
  bodies: number;
}

/** Thrown for an id that names no readable recording; the message says why. */
export class RecordingNotFound extends Error {}

interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Cached {
  reader: RecordingReader;
  stamp: Stamp;
  /** Calls of `use` running with this reader. */
  users: number;
  /** Dropped from the cache (evicted, replaced, library closed): close once no one uses it. */
  retired: boolean;
}

const DEFAULT_MAX_OPEN = 16;

export class RecordingLibrary {
  readonly directory: string;
  private readonly open = new Map<string, Cached>();
  private readonly listings = new Map<string, { stamp: Stamp; listing: RecordingListing | undefined }>();

  /**
   * `directory`: where the recordings are (it need not exist yet). Temporary files in it whose
   * writing process no longer runs are removed now (docs/recording-format.md).
   */
  constructor(directory: string, private readonly maxOpen = DEFAULT_MAX_OPEN) {
    this.directory = nodePath.resolve(directory);
    sweepStalePartials(this.directory);
  }

  /** The file a valid id names (or undefined for an invalid id). */
  fileOf(id: string): string | undefined {
    if (typeof id !== "string" || !isRecordingId(id)) return undefined;
    const file = nodePath.join(this.directory, `${id}.db`);
    // The pattern has no separators; this is a second line of defence.
    return nodePath.dirname(file) === this.directory ? file : undefined;
  }

  /**
   * Every readable recording, newest first. Files that are not readable recordings (or are not
   * plain files) are left out. Reads only what the listing shows; open readers are not touched.
   */
  list(): RecordingListing[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.directory);
    } catch {
      return []; // no directory yet: nothing recorded
    }
    const out: RecordingListing[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      if (!name.endsWith(".db")) continue;
      const id = name.slice(0, -3);
      const file = this.fileOf(id);
      if (file === undefined) continue;
      seen.add(id);
      const listing = this.listing(id, file);
      if (listing) out.push(listing);
    }
    for (const id of this.listings.keys()) if (!seen.has(id)) this.listings.delete(id);
    return out.sort((a, b) => (a.created_at === b.created_at ? a.id.localeCompare(b.id) : a.created_at < b.created_at ? 1 : -1));
  }

  /**
   * Runs `work` with the reader of recording `id` and returns what it returns; the reader stays
   * open until `work` is done, whatever else the library opens or evicts meanwhile. Throws
   * RecordingNotFound saying why there is no such recording.
   */
  use<T>(id: string, work: (reader: RecordingReader) => T): T {
    const cached = this.acquire(id);
    cached.users++;
    try {
      return work(cached.reader);
    } finally {
      cached.users--;
      if (cached.retired && cached.users === 0) cached.reader.close();
      else if (cached.users === 0) this.evict(undefined); // readers opened meanwhile may have gone past the limit
    }
  }

  /**
   * The reader of recording `id`; throws RecordingNotFound saying why there is none. The library
   * may close it later (to open others, or when the file changes): to hold it, use `use`.
   */
  reader(id: string): RecordingReader {
    return this.acquire(id).reader;
  }

  /** Closes every open reader (those in use when their users are done). */
  close(): void {
    for (const id of [...this.open.keys()]) this.retire(id);
  }

  private acquire(id: string): Cached {
    const file = this.fileOf(id);
    if (file === undefined) {
      const shown = typeof id === "string" && id.length > 40 ? `${id.slice(0, 40)}…` : String(id);
      throw new RecordingNotFound(`Recording not found: ${JSON.stringify(shown)} is not a recording id`);
    }
    const found = stampOf(file);
    const cached = this.open.get(id);
    if (cached && found.stamp && sameStamp(cached.stamp, found.stamp)) {
      // Most recently used last, for the eviction below.
      this.open.delete(id);
      this.open.set(id, cached);
      return cached;
    }
    if (cached) this.retire(id);
    if (found.problem) throw new RecordingNotFound(`Recording ${id} cannot be read: ${found.problem}`);
    if (!found.stamp) throw new RecordingNotFound(`Recording not found: ${id}`);
    let reader: RecordingReader;
    try {
      reader = RecordingReader.open(file);
    } catch (error) {
      throw new RecordingNotFound(`Recording ${id} cannot be read: ${this.withoutDirectory((error as Error).message)}`);
    }
    const entry: Cached = { reader, stamp: found.stamp, users: 0, retired: false };
    this.open.set(id, entry);
    this.evict(id);
    return entry;
  }

  /** Closes least recently used readers beyond the limit, passing by those in use and `keep`. */
  private evict(keep: string | undefined): void {
    for (const [id, cached] of this.open) {
      if (this.open.size <= this.maxOpen) return;
      if (cached.users === 0 && id !== keep) this.retire(id);
    }
  }

  /** Drops a reader from the cache; closes it now, or when its last user is done. */
  private retire(id: string): void {
    const cached = this.open.get(id);
    if (!cached) return;
    this.open.delete(id);
    cached.retired = true;
    if (cached.users === 0) cached.reader.close();
  }

  private listing(id: string, file: string): RecordingListing | undefined {
    const { stamp } = stampOf(file);
    if (!stamp) return undefined;
    const known = this.listings.get(id);
    if (known && sameStamp(known.stamp, stamp)) return known.listing;
    let listing: RecordingListing | undefined;
    try {
      const { info, bodies } = readRecordingSummary(file);
      listing = { id, name: info.name, path: `${id}.db`, total_frames: info.totalFrames, duration_s: info.durationS, created_at: info.createdAt, bodies };
    } catch {
      listing = undefined; // not a readable recording: left out of the list
    }
    this.listings.set(id, { stamp, listing });
    return listing;
  }

  /** `text` with this directory's absolute path taken out (error messages name files by name only). */
  private withoutDirectory(text: string): string {
    return text.split(this.directory + nodePath.sep).join("");
  }
}

/**
 * The file's identity and version (lstat: a symbolic link is not followed), or why it cannot be
 * read; neither for a file that is not there.
 */
function stampOf(file: string): { stamp?: Stamp; problem?: string } {
  let s: fs.Stats;
  try {
    s = fs.lstatSync(file);
  } catch {
    return {};
  }
  if (s.isSymbolicLink()) return { problem: "it is a symbolic link (links in the recordings directory are not followed)" };
  if (!s.isFile()) return { problem: "it is not a regular file" };
  return { stamp: { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs } };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
