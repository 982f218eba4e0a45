// `npm start`: install what is missing, build, serve the page on localhost and print its URL.
import { buildWasm, log } from './setup.mjs';
import { serve } from './serve.mjs';

buildWasm();
const port = Number(process.env.PORT) || 8080;
const { url } = await serve(port);
log(`Raft Playground is running at ${url}  (Ctrl-C to stop)`);
