// `npm run docs`: writes docs/operators.md from the primitive catalogue and the scalify rule table.
import { writeFileSync } from "node:fs";
import { operatorsMarkdown } from "../compiler/scalify/coverage.js";

const path = new URL("../docs/operators.md", import.meta.url);
writeFileSync(path, operatorsMarkdown());
console.log(`wrote ${path.pathname}`);
