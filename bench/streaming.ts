// Streaming benchmarks (`npm run bench:streaming`), the server in a child process:
//   viewers mode (default): one session of pile-1000 at 16 ms frames watched by 1, 10 and 50
//     viewers, in JSON and in binary (bench/streaming-viewers.ts)
//       [-- --bodies 1000 --viewers 1,10,50 --encodings json,binary --seconds 10 --warmup 3]
//   sessions mode: N independent sessions of 100 cubes (bench/streaming-sessions.ts)
//       -- --sessions 1,10,20 [--seconds 10 --bodies 100]
// BENCH_SERVER_PROFILE=1 writes a CPU profile of the server to /tmp/prof.
import { startStreamingServer } from "./streaming-common";
import { sessionsBench } from "./streaming-sessions";
import { viewersBench } from "./streaming-viewers";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numbers(text: string, name: string): number[] {
  const values = text.split(",").map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--${name} must be positive integers separated by commas (got "${text}")`);
  return values;
}

function encodings(text: string): ("json" | "binary")[] {
  const values = text.split(",");
  for (const v of values) if (v !== "json" && v !== "binary") throw new Error(`--encodings: unknown encoding "${v}" (json, binary)`);
  return values as ("json" | "binary")[];
}

async function main(): Promise<void> {
  const server = await startStreamingServer();
  try {
    const seconds = Number(arg("seconds") ?? "10");
    const sessions = arg("sessions");
    const result = sessions
      ? await sessionsBench(server, numbers(sessions, "sessions"), seconds, Number(arg("bodies") ?? "100"))
      : await viewersBench(server, {
          bodies: Number(arg("bodies") ?? "1000"),
          viewers: numbers(arg("viewers") ?? "1,10,50", "viewers"),
          encodings: encodings(arg("encodings") ?? "json,binary"),
          seconds,
          warmupS: Number(arg("warmup") ?? "3"),
        });
    console.log(JSON.stringify(result));
  } finally {
    server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
