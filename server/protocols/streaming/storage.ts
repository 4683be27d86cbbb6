import fs from 'node:fs';
import path from 'node:path';

/**
 * Session-scoped upload folders: `<root>/<session id>/`. Session ids are
 * UUIDs checked by the session store, so they are safe as folder names, and
 * unique across lab processes sharing the temp folder. A folder is removed
 * when its session expires and at shutdown.
 */
export class UploadStorage {
  private readonly used = new Set<string>();

  constructor(readonly root: string) {}

  /** The session's folder, created on first use. */
  folder(sessionId: string): string {
    const dir = path.join(this.root, sessionId);
    if (!this.used.has(sessionId)) {
      fs.mkdirSync(dir, { recursive: true });
      this.used.add(sessionId);
    }
    return dir;
  }

  /** Every file in the session's folder (recursively), with its size: what the session is storing. */
  list(sessionId: string): { path: string; bytes: number }[] {
    const dir = path.join(this.root, sessionId);
    if (!fs.existsSync(dir)) return [];
    const out: { path: string; bytes: number }[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      out.push({ path: path.relative(dir, full), bytes: fs.statSync(full).size });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  forget(sessionId: string): void {
    this.used.delete(sessionId);
    fs.rmSync(path.join(this.root, sessionId), { recursive: true, force: true });
  }

  /** At shutdown: removes the folders this process created (other lab processes may share the root). */
  close(): void {
    for (const sessionId of [...this.used]) this.forget(sessionId);
  }
}
