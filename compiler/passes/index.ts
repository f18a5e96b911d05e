// `sf.passes`: the IR→IR passes, each a function Program → Program.
export { dce } from "./dce.js";
export { cse } from "./cse.js";
export { gradPass as grad, vjpProgram as vjp } from "../grad/api.js";
export { scalifyPass as scalify } from "../scalify/api.js";
