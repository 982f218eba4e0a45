// `npm run build`: build the wasm module into www/pkg.
import { buildWasm } from './setup.mjs';
buildWasm();
