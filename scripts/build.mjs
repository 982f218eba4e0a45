// `npm run build`: build the wasm modules into www/pkg (cargo, wasm-bindgen, wasm-opt), then what
// ships into dist/ (esbuild: one minified bundle per entry point, style.css, the wasm, the pages).
import { build } from './setup.mjs';
await build();
