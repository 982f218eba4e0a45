// `npm start`: install what is missing, build, serve the built page (dist/) on localhost and print
// its URL (the readable sources are under /src/).
import { build, log } from './setup.mjs';
import { serve } from './serve.mjs';

await build();
const port = Number(process.env.PORT) || 8080;
const { url } = await serve(port);
log(`Raft Playground is running at ${url}  (the readable sources at ${url}src/; Ctrl-C to stop)`);
