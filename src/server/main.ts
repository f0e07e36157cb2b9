// `npm start`: the live server with the embedded default assets database.
// Flags: --port --host --token --allow-origin --assets-db --record --recordings-dir --max-sessions
//        --max-objects --max-duration --max-payload --max-buffered --stall-timeout --heartbeat-interval
//        (environment: PORT, HOST, MSD_LAB_TOKEN, MSD_LAB_RECORD, MSD_LAB_RECORDINGS_DIR, …).
import { optionsFromCommandLine } from "./options";
import { startServer } from "./server";

async function main(): Promise<void> {
  const options = optionsFromCommandLine(process.argv.slice(2), process.env);
  const server = await startServer(options);
  const query = server.token !== undefined ? `?token=${encodeURIComponent(server.token)}` : "";
  console.log(`msd-lab live server on ${server.url}`);
  console.log(`  viewer: ${server.url}/live${query}`);
  console.log(`  health: ${server.url}/api/v1/health`);
  console.log(`  recordings: ${server.recordingsDir}${server.recordsEverySession ? " (every session is recorded)" : ""}`);
  if (server.token !== undefined) console.log(`  access token: ${server.token}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`msd-lab: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
