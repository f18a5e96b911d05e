// Options that several commands share, defined once so that they read the same everywhere.
import { Option } from "commander";
import { FORMATS } from "./output.js";

export function formatOption(): Option {
  return new Option("--format <format>", "output form").choices(FORMATS).default("text");
}

export function outputOption(): Option {
  return new Option("-o, --output <file>", "write to a file (atomically) instead of stdout");
}

/** For repeatable options (`--arg a --arg b`): the values in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
