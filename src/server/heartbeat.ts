// WebSocket heartbeat: every client is pinged each interval, and one that has not answered the
// previous ping (browsers and `ws` answer pings by themselves) is terminated. A peer that died
// without closing its connection (a killed machine, a lost network) is otherwise only noticed
// when TCP gives up, minutes later; terminating it ends its session and frees its engine.
import type { WebSocket } from "ws";

export class Heartbeat {
  private readonly clients = new Set<WebSocket>();
  /** Clients pinged whose pong has not come back yet. */
  private readonly waiting = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly intervalS: number, private readonly log: (line: string) => void, unref = false) {
    this.timer = setInterval(() => this.beat(), intervalS * 1000);
    if (unref) this.timer.unref();
  }

  /** Watches a connection until it closes. */
  track(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on("pong", () => this.waiting.delete(ws));
    ws.once("close", () => this.clients.delete(ws));
  }

  stop(): void {
    clearInterval(this.timer);
    this.clients.clear();
  }

  private beat(): void {
    for (const ws of [...this.clients]) {
      if (this.waiting.has(ws)) {
        this.log(`heartbeat: a client did not answer a ping within ${this.intervalS} s: connection dropped`);
        this.clients.delete(ws);
        ws.terminate();
        continue;
      }
      this.waiting.add(ws);
      ws.ping();
    }
  }
}
