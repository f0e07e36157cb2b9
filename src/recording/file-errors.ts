// File-system and SQLite errors in words a user can act on ("the disk is full", "read-only file
// system"), keeping the path they happened on.

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exhausted",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is not a directory",
  ENOENT: "no such file or directory",
  EEXIST: "the file already exists",
  EISDIR: "it is a directory",
  EIO: "an input/output error (the disk may be failing)",
};

const SQLITE_TEXT: Record<string, string> = {
  SQLITE_FULL: "the disk is full",
  SQLITE_READONLY: "the file is read-only",
  SQLITE_CANTOPEN: "the file cannot be opened",
  SQLITE_NOTADB: "it is not an SQLite file",
  SQLITE_CORRUPT: "the file is corrupt",
};

/** A short explanation of `error`: the errno/SQLite meaning when known, else its message. */
export function describeFileError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (code !== undefined) {
    const known = ERRNO_TEXT[code] ?? SQLITE_TEXT[code] ?? (code.startsWith("SQLITE_IOERR") ? "an input/output error (the disk may be full or failing)" : undefined);
    if (known !== undefined) return `${known} (${code})`;
  }
  return message;
}
